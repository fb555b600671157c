import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Connection, callService, type HassEventBase } from 'home-assistant-js-websocket';
import type { Bridge } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import type { ValueKey } from '../meter/value-keys.js';
import { type DiscoveryLanguage, discoveryLanguage, discoveryObjectId } from '../meter/value-names.js';
import { type EnergyPrefs, type GridEntities, mergeGrid } from './energy-prefs.js';
import { connectToHomeAssistant } from './ha-connection.js';
import {
  currentProblem,
  ENERGY_REJECTED_NOTIFICATION,
  type Problem,
  problemNotification,
} from './problem-notice.js';

/**
 * What the bridge does in Home Assistant itself, beyond MQTT: a persistent notification while decoding has
 * failed for a minute in a way the user must fix (dismissed when telegrams decode again), the entity ids HA
 * gave our sensors (for the web page), Home Assistant's language for the entity names, and, opt-in, the
 * meter in the Energy dashboard, once.
 *
 * Nothing is polled from Home Assistant: the entity registry is read once when the meter is known (and again
 * after a reconnect), then followed through its `entity_registry_updated` events; the language is read on
 * connecting and again on `core_config_updated`. The timer only reconnects and judges the notification from
 * the bridge's own counters.
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

/** What Home Assistant said that other parts show; the app passes them on (the page, MQTT discovery). */
export type HaFindings = {
  /** The entity ids Home Assistant gave our sensors, by value key, whenever they change. */
  readonly entities?: (entities: Readonly<Record<string, string>>) => void;
  /** Home Assistant's language, as the entity names' language, whenever it changes. */
  readonly language?: (language: DiscoveryLanguage) => void;
};

type RegistryEntry = { entity_id: string; unique_id?: string | null; platform: string };
type RegistryEvent = { action?: unknown; entity_id?: unknown; old_entity_id?: unknown };
type HaError = { code?: unknown; message?: unknown };

const NOTIFICATION_ID = 'smartmeter_bridge_problem';
const ENERGY_NOTIFICATION_ID = 'smartmeter_bridge_energy_dashboard';
const STATE_FILE = 'energy-dashboard.json';
/** The sensors the Energy dashboard gets, when the meter sends them: all that it sends must exist first. */
const GRID_KEYS: readonly ValueKey[] = ['energy_in', 'energy_out', 'power_in', 'power_out', 'power'];

export class HaIntegration {
  private connection: Connection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private meterId: string | undefined;
  /** Every value key the meter's published telegrams carried so far. */
  private readonly sentKeys = new Set<string>();
  private notified: Problem | undefined;
  private entities: Record<string, string> = {};
  private language: DiscoveryLanguage | undefined;
  private busy = false;
  private stopped = false;
  private readonly startedAt = Date.now();
  private connectFailures = 0;
  private lookingUp: Promise<void> | undefined;
  private lookUpAgain = false;
  /** The Energy dashboard is settled: added, found there, or refused for good (the marker says which). */
  private energySettled = false;
  private energyBusy = false;
  private energyFailures = 0;

  constructor(
    private readonly bridge: Bridge,
    private readonly options: HaIntegrationOptions,
    private readonly log: Logger,
    private readonly findings: HaFindings = {},
  ) {
    this.energySettled = existsSync(join(options.stateDir, STATE_FILE));
    bridge.listen({
      telegram: (t) => {
        let grew = false;
        for (const key of Object.keys(t.values)) {
          if (!this.sentKeys.has(key)) {
            this.sentKeys.add(key);
            grew = true;
          }
        }
        const meterId = t.meterId ?? t.systemTitle;
        if (meterId !== undefined && meterId !== this.meterId) {
          this.meterId = meterId;
          this.entities = {};
          this.lookUp();
        } else if (grew) {
          this.energyDashboardIfReady();
        }
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
    if (this.stopped) {
      result.connection.close();
      return undefined;
    }
    this.connectFailures = 0;
    const connection = result.connection;
    this.log.info(`connected to Home Assistant ${connection.haVersion}`);
    this.connection = connection;
    // The library reconnects by itself and subscribes again; what changed meanwhile is read once more.
    connection.addEventListener('ready', () => {
      void this.readLanguage(connection);
      this.lookUp();
    });
    await this.safely(async () => {
      await connection.subscribeEvents<HassEventBase & { data: RegistryEvent }>(
        (event) => void this.safely(() => this.onRegistryEvent(connection, event.data)),
        'entity_registry_updated',
      );
      await connection.subscribeEvents(() => void this.readLanguage(connection), 'core_config_updated');
    });
    await this.readLanguage(connection);
    this.lookUp();
    return connection;
  }

  /** Home Assistant's language → the entity names' language; discovery is sent again once if it changed. */
  private async readLanguage(connection: Connection): Promise<void> {
    await this.safely(async () => {
      const config = await connection.sendMessagePromise<{ language?: unknown }>({ type: 'get_config' });
      const language = discoveryLanguage(typeof config.language === 'string' ? config.language : undefined);
      if (language === this.language) return;
      this.language = language;
      this.log.info(
        `Home Assistant's language is ${String(config.language)}: entity names in ${language === 'de' ? 'German' : 'English'}`,
      );
      this.findings.language?.(language);
    });
  }

  /** One registry look-up at a time; a request while one runs makes it run once more afterwards. */
  private lookUp(): void {
    if (this.lookingUp !== undefined) {
      this.lookUpAgain = true;
      return;
    }
    this.lookingUp = this.safely(() => this.readRegistry()).finally(() => {
      this.lookingUp = undefined;
      if (this.lookUpAgain) {
        this.lookUpAgain = false;
        this.lookUp();
      }
    });
  }

  private async readRegistry(): Promise<void> {
    const connection = this.connection;
    const meterId = this.meterId;
    if (connection === undefined || meterId === undefined) return;
    const prefix = `${discoveryObjectId(meterId)}_`;
    const registry = await connection.sendMessagePromise<RegistryEntry[]>({
      type: 'config/entity_registry/list',
    });
    const found: Record<string, string> = {};
    for (const entry of registry) {
      const key = ourKey(entry, prefix);
      if (key !== undefined) found[key] = entry.entity_id;
    }
    this.setEntities(found);
  }

  /** An entity created, renamed or removed: ours are followed, one registry entry at a time. */
  private async onRegistryEvent(connection: Connection, data: RegistryEvent): Promise<void> {
    if (this.meterId === undefined || typeof data.entity_id !== 'string') return;
    const prefix = `${discoveryObjectId(this.meterId)}_`;
    const entityId = data.entity_id;
    const keyOf = (id: unknown): string | undefined =>
      Object.entries(this.entities).find(([, value]) => value === id)?.[0];
    if (data.action === 'remove') {
      const key = keyOf(entityId);
      if (key === undefined) return;
      const { [key]: _gone, ...rest } = this.entities;
      this.setEntities(rest);
    } else if (data.action === 'update') {
      const key = keyOf(data.old_entity_id);
      if (key !== undefined) this.setEntities({ ...this.entities, [key]: entityId });
    } else if (data.action === 'create' && entityId.startsWith('sensor.')) {
      const entry = await connection.sendMessagePromise<RegistryEntry>({
        type: 'config/entity_registry/get',
        entity_id: entityId,
      });
      const key = ourKey(entry, prefix);
      if (key !== undefined) this.setEntities({ ...this.entities, [key]: entry.entity_id });
    }
  }

  private setEntities(found: Record<string, string>): void {
    if (JSON.stringify(found) !== JSON.stringify(this.entities)) {
      this.entities = found;
      this.findings.entities?.(found);
    }
    this.energyDashboardIfReady();
  }

  private async updateNotification(connection: Connection): Promise<void> {
    const now = Date.now();
    const afterMs = this.options.problemAfterMs ?? 60_000;
    // The first minute after start is not "failing for a minute".
    const problem =
      now - this.startedAt < afterMs ? undefined : currentProblem(this.bridge.stats, now, afterMs);
    if (problem !== undefined && problem !== this.notified) {
      await callService(connection, 'persistent_notification', 'create', {
        notification_id: NOTIFICATION_ID,
        ...problemNotification(problem, this.bridge.lineAdvice),
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

  /** Once every grid sensor the meter sends is in the registry (so import and export go in together). */
  private energyDashboardIfReady(): void {
    if (!this.options.energyDashboard || this.energySettled || this.energyBusy) return;
    const connection = this.connection;
    if (connection === undefined) return;
    const wanted = GRID_KEYS.filter((key) => this.sentKeys.has(key));
    if (!wanted.includes('energy_in') || wanted.some((key) => this.entities[key] === undefined)) return;
    this.energyBusy = true;
    void this.addToEnergyDashboard(connection).finally(() => {
      this.energyBusy = false;
    });
  }

  private async addToEnergyDashboard(connection: Connection): Promise<void> {
    const marker = join(this.options.stateDir, STATE_FILE);
    const entities: GridEntities = {
      energyIn: this.entities['energy_in'] as string,
      energyOut: this.entities['energy_out'],
      powerIn: this.entities['power_in'],
      powerOut: this.entities['power_out'],
      power: this.entities['power'],
    };
    try {
      let prefs: EnergyPrefs;
      try {
        prefs = await connection.sendMessagePromise<EnergyPrefs>({ type: 'energy/get_prefs' });
      } catch (error) {
        if ((error as HaError).code !== 'not_found') throw error;
        prefs = { energy_sources: [] };
      }
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
          `added ${entities.energyIn}${entities.energyOut === undefined ? '' : ` and ${entities.energyOut}`} to the Energy dashboard (${merged.format} grid format)`,
        );
      } else {
        this.log.info(`Energy dashboard: ${merged.reason}`);
      }
      // Once only: if the user removes the meter from the dashboard later, that is their decision.
      this.settleEnergy(marker, { ...entities, changed: merged.changed });
    } catch (error) {
      if ((error as HaError).code === 'invalid_format') {
        // Home Assistant's schema refused what we sent: the same would be refused every time. Said once,
        // remembered, never tried again (the marker also stops it after a restart).
        const reason = describe(error);
        this.log.warn(
          `Home Assistant refused the Energy dashboard settings (invalid_format: ${reason}); not tried again. ` +
            'Add the meter in the Energy dashboard by hand.',
        );
        this.settleEnergy(marker, { ...entities, changed: false, rejected: reason });
        await this.safely(() =>
          callService(connection, 'persistent_notification', 'create', {
            notification_id: ENERGY_NOTIFICATION_ID,
            ...ENERGY_REJECTED_NOTIFICATION,
          }),
        );
        return;
      }
      // A lost connection or a restarting Home Assistant: tried again on the next registry change or reconnect.
      if (this.energyFailures++ === 0)
        this.log.warn(`Energy dashboard not set up yet: ${describe(error)}; trying again later`);
    }
  }

  private settleEnergy(marker: string, record: Record<string, unknown>): void {
    this.energySettled = true;
    writeFileSync(marker, JSON.stringify({ at: new Date().toISOString(), ...record }));
  }

  /** Runs a call to Home Assistant; a failure is one warning, never an unhandled rejection. */
  private async safely(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!this.stopped) this.log.warn(`Home Assistant: ${describe(error)}`);
    }
  }
}

function ourKey(entry: RegistryEntry, prefix: string): string | undefined {
  return entry.platform === 'mqtt' &&
    typeof entry.unique_id === 'string' &&
    entry.unique_id.startsWith(prefix)
    ? entry.unique_id.slice(prefix.length)
    : undefined;
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
