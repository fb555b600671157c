import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Connection, callService } from 'home-assistant-js-websocket';
import type { Bridge } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import { discoveryObjectId } from '../mqtt/discovery.js';
import type { LiveState } from '../web/live-state.js';
import { type EnergyPrefs, mergeGrid } from './energy-prefs.js';
import { connectToHomeAssistant } from './ha-connection.js';
import { currentProblem, type Problem, problemNotification } from './problem-notice.js';

/**
 * What the bridge does in Home Assistant itself, beyond MQTT: a persistent notification while decoding has
 * failed for a minute in a way the user must fix (dismissed when telegrams decode again), the entity ids HA
 * gave our sensors (for the web page), and, opt-in, the meter in the Energy dashboard, once.
 */

export type HaIntegrationOptions = {
  readonly hassUrl: string;
  readonly token: string;
  readonly energyDashboard: boolean;
  /** Where the "added to the Energy dashboard once" mark is kept (/data in the add-on). */
  readonly stateDir: string;
  readonly problemAfterMs?: number;
  readonly pollMs?: number;
};

type RegistryEntry = { entity_id: string; unique_id?: string | null; platform: string };

const NOTIFICATION_ID = 'smartmeter_bridge_problem';
const STATE_FILE = 'energy-dashboard.json';

export class HaIntegration {
  private connection: Connection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private meterId: string | undefined;
  private lastBytesAt: number | undefined;
  private notified: Problem | undefined;
  private entities: Record<string, string> = {};
  private busy = false;
  private stopped = false;
  private readonly startedAt = Date.now();
  private connectFailures = 0;

  constructor(
    private readonly bridge: Bridge,
    private readonly live: LiveState | undefined,
    private readonly options: HaIntegrationOptions,
    private readonly log: Logger,
  ) {
    bridge.listen({
      bytes: () => {
        this.lastBytesAt = Date.now();
      },
      telegram: (t) => {
        this.meterId = t.meterId ?? t.systemTitle;
      },
    });
  }

  start(): void {
    const poll = (): void => {
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(poll, this.options.pollMs ?? 10_000);
      });
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.connection?.close();
    this.connection = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const connection = await this.connected();
      if (connection === undefined) return;
      await this.updateNotification(connection);
      await this.lookUpEntities(connection);
      if (this.options.energyDashboard) await this.addToEnergyDashboard(connection);
    } catch (error) {
      this.log.warn(`Home Assistant: ${describe(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async connected(): Promise<Connection | undefined> {
    if (this.connection !== undefined) return this.connection;
    const result = await connectToHomeAssistant(this.options.hassUrl, this.options.token);
    if (!result.ok) {
      if (this.connectFailures++ === 0) this.log.warn(result.reason);
      return undefined;
    }
    this.connectFailures = 0;
    this.log.info(`connected to Home Assistant ${result.connection.haVersion}`);
    this.connection = result.connection;
    return this.connection;
  }

  private async updateNotification(connection: Connection): Promise<void> {
    const now = Date.now();
    const afterMs = this.options.problemAfterMs ?? 60_000;
    // The first minute after start is not "failing for a minute".
    const problem =
      now - this.startedAt < afterMs
        ? undefined
        : currentProblem(this.bridge.stats, this.lastBytesAt, now, afterMs);
    if (problem !== undefined && problem !== this.notified) {
      await callService(connection, 'persistent_notification', 'create', {
        notification_id: NOTIFICATION_ID,
        ...problemNotification(problem),
      });
      this.log.info(`Home Assistant notification: ${problem}`);
      this.notified = problem;
    } else if (
      problem === undefined &&
      this.notified !== undefined &&
      this.bridge.stats.lastTelegramAt !== undefined
    ) {
      await callService(connection, 'persistent_notification', 'dismiss', {
        notification_id: NOTIFICATION_ID,
      });
      this.log.info('Home Assistant notification dismissed: telegrams decode again');
      this.notified = undefined;
    }
  }

  private async lookUpEntities(connection: Connection): Promise<void> {
    if (this.meterId === undefined) return;
    const prefix = `${discoveryObjectId(this.meterId)}_`;
    const registry = await connection.sendMessagePromise<RegistryEntry[]>({
      type: 'config/entity_registry/list',
    });
    const found: Record<string, string> = {};
    for (const entry of registry) {
      if (
        entry.platform === 'mqtt' &&
        typeof entry.unique_id === 'string' &&
        entry.unique_id.startsWith(prefix)
      ) {
        found[entry.unique_id.slice(prefix.length)] = entry.entity_id;
      }
    }
    if (JSON.stringify(found) !== JSON.stringify(this.entities)) {
      this.entities = found;
      this.live?.setEntities(found);
    }
  }

  private async addToEnergyDashboard(connection: Connection): Promise<void> {
    const marker = join(this.options.stateDir, STATE_FILE);
    const energyIn = this.entities['energy_in'];
    if (energyIn === undefined || existsSync(marker)) return;
    let prefs: EnergyPrefs;
    try {
      prefs = await connection.sendMessagePromise<EnergyPrefs>({ type: 'energy/get_prefs' });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'not_found') throw error;
      prefs = { energy_sources: [] };
    }
    const entities = {
      energyIn,
      energyOut: this.entities['energy_out'],
      powerIn: this.entities['power_in'],
      powerOut: this.entities['power_out'],
    };
    const merged = mergeGrid(
      { ...prefs, energy_sources: prefs.energy_sources ?? [] },
      entities,
      connection.haVersion,
    );
    if (merged.changed) {
      await connection.sendMessagePromise({
        type: 'energy/save_prefs',
        energy_sources: merged.energySources,
      });
      this.log.info(
        `added ${energyIn}${entities.energyOut === undefined ? '' : ` and ${entities.energyOut}`} to the Energy dashboard (${merged.format} grid format)`,
      );
    } else {
      this.log.info(`Energy dashboard: ${merged.reason}`);
    }
    // Once only: if the user removes the meter from the dashboard later, that is their decision.
    writeFileSync(
      marker,
      JSON.stringify({ added_at: new Date().toISOString(), ...entities, changed: merged.changed }),
    );
  }
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

export function readEnergyMarker(stateDir: string): unknown {
  const path = join(stateDir, STATE_FILE);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}
