import type { Bridge } from '../bridge/bridge.js';
import type { PipelineStats } from '../bridge/pipeline-stats.js';
import { type TelegramJson, telegramToJson } from '../decoder/telegram-json.js';
import { frameLayers, type LayerSpan } from './frame-layers.js';

/**
 * What the web page shows, kept up to date from the bridge's events: the latest telegram, a few minutes of
 * power for the chart, the last raw telegrams with their layers marked, and the recent raw bytes for
 * download. Bounded in size; holds nothing secret (the key never reaches the bridge's events).
 */

const HISTORY_POINTS = 240;
const RECENT_TELEGRAMS = 5;
const RAW_BYTES = 64 * 1024;

export type RecentTelegram = {
  readonly at: number;
  readonly outcome: string;
  readonly message: string | undefined;
  readonly frames: readonly (readonly LayerSpan[])[];
};

export type Snapshot = {
  readonly type: 'snapshot';
  readonly source: string;
  readonly mqttConnected: boolean;
  readonly stats: PipelineStats;
  readonly telegram: TelegramJson | null;
  readonly history: readonly [number, number, number][];
  readonly recent: readonly RecentTelegram[];
  readonly entities: Readonly<Record<string, string>>;
  readonly now: number;
};

export class LiveState {
  private telegram: TelegramJson | null = null;
  private readonly history: [number, number, number][] = [];
  private readonly recent: RecentTelegram[] = [];
  private pendingFrames: Uint8Array[] | undefined;
  /** A ring of the last RAW_BYTES bytes received: `rawEnd` is where the next byte goes. */
  private readonly raw = new Uint8Array(RAW_BYTES);
  private rawEnd = 0;
  private rawFull = false;
  private entities: Record<string, string> = {};
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly bridge: Bridge,
    private readonly now: () => number = Date.now,
  ) {
    bridge.listen({
      bytes: (chunk) => this.keepRaw(chunk),
      reassembled: (frames) => {
        this.pendingFrames = frames.map((f) => f.raw);
      },
      telegram: (t) => {
        this.telegram = telegramToJson(t);
        const pIn = typeof t.values.power_in === 'number' ? t.values.power_in : 0;
        const pOut = typeof t.values.power_out === 'number' ? t.values.power_out : 0;
        this.history.push([this.now(), pIn, pOut]);
        if (this.history.length > HISTORY_POINTS) this.history.shift();
        this.settle('ok', undefined);
      },
      rejected: (error) => this.settle(error.code, error.message),
    });
  }

  /** Called when the page should be refreshed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setEntities(entities: Record<string, string>): void {
    this.entities = entities;
    this.changed();
  }

  /** The recent raw bytes in arrival order, for download and `decode`. */
  rawBytes(): Uint8Array {
    if (!this.rawFull) return this.raw.slice(0, this.rawEnd);
    return Buffer.concat([this.raw.subarray(this.rawEnd), this.raw.subarray(0, this.rawEnd)]);
  }

  snapshot(): Snapshot {
    return {
      type: 'snapshot',
      source: this.bridge.sourceDescription,
      mqttConnected: this.bridge.mqttConnected,
      stats: this.bridge.stats,
      telegram: this.telegram,
      history: this.history,
      recent: this.recent,
      entities: this.entities,
      now: this.now(),
    };
  }

  private settle(outcome: string, message: string | undefined): void {
    const frames = this.pendingFrames;
    this.pendingFrames = undefined;
    if (frames !== undefined) {
      this.recent.unshift({ at: this.now(), outcome, message, frames: frames.map(frameLayers) });
      if (this.recent.length > RECENT_TELEGRAMS) this.recent.pop();
    }
    this.changed();
  }

  private keepRaw(chunk: Uint8Array): void {
    const bytes = chunk.length > RAW_BYTES ? chunk.subarray(chunk.length - RAW_BYTES) : chunk;
    const first = Math.min(bytes.length, RAW_BYTES - this.rawEnd);
    this.raw.set(bytes.subarray(0, first), this.rawEnd);
    this.raw.set(bytes.subarray(first), 0);
    const end = this.rawEnd + bytes.length;
    if (end >= RAW_BYTES) this.rawFull = true;
    this.rawEnd = end % RAW_BYTES;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
