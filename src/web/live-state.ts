import type { Bridge } from '../bridge/bridge.js';
import type { Delivery } from '../bridge/delivery.js';
import type { LineAdvice } from '../bridge/line-advice.js';
import type { PipelineStats } from '../bridge/pipeline-stats.js';
import { type TelegramJson, telegramToJson } from '../decoder/telegram-json.js';
import type { ErrorCode } from '../errors.js';
import type { Telegram } from '../meter/meter-model.js';
import { frameLayers, type LayerSpan } from './frame-layers.js';

/**
 * What the web page shows, kept up to date from the bridge's events: the latest telegram, the last
 * HISTORY_MS of power for the chart, the last raw telegrams with their layers marked and what became of
 * each, the recent raw bytes for download, and the telegram counts broken down so that they add up.
 * Bounded in size; holds nothing secret (the key never reaches the bridge's events).
 */

/** The chart's window; the page embeds the same constant. */
export const HISTORY_MS = 15 * 60_000;
/** However fast telegrams come (a fast replay), the history holds no more points than this. */
export const HISTORY_POINTS = 1200;
const RECENT_TELEGRAMS = 5;
const RAW_BYTES = 64 * 1024;

/** Codes with which the guard drops a whole decoded telegram (as opposed to single values). */
const GUARD_DROPS: readonly ErrorCode[] = ['COUNTER_REPLAY', 'ENERGY_DECREASED', 'IMPLAUSIBLE'];

/** [received at (ms), power import (W), power export (W)]; null where the telegram had no such value. */
export type HistoryPoint = readonly [number, number | null, number | null];

/**
 * What became of a telegram: `published` (its values went out to the broker), `unsent` (accepted while the
 * broker was not connected), `held` (a meter's first telegram: published from the next one on, which
 * confirms the meter's number), or the code it was rejected with.
 */
export type Outcome = 'published' | 'unsent' | 'held' | ErrorCode;

export type RecentTelegram = {
  readonly at: number;
  readonly outcome: Outcome;
  readonly message: string | undefined;
  /** How many values went out with it (published or unsent). */
  readonly values: number | undefined;
  /** Accepted, but its energy totals wait for the next telegram to confirm them. */
  readonly totalsPending: boolean;
  readonly frames: readonly (readonly LayerSpan[])[];
};

/**
 * Decrypted and decoded telegrams and what became of them: `decoded` is always the sum of the other four,
 * so the page's "decoded" and "published" agree, and a held first telegram is not mistaken for a loss.
 */
export type TelegramCounts = {
  readonly decoded: number;
  readonly published: number;
  readonly held: number;
  readonly unsent: number;
  readonly dropped: number;
};

/** The pipeline's counters, and the MQTT output's count of what it published. */
export type SnapshotStats = PipelineStats & { readonly telegramsPublished: number };

export type Snapshot = {
  readonly type: 'snapshot';
  readonly source: string;
  readonly mqttConnected: boolean;
  /** What to check when bytes arrive but no frame does, in both languages (bridge/line-advice.ts). */
  readonly lineAdvice: LineAdvice;
  readonly stats: SnapshotStats;
  readonly counts: TelegramCounts;
  readonly telegram: TelegramJson | null;
  readonly history: readonly HistoryPoint[];
  readonly recent: readonly RecentTelegram[];
  readonly entities: Readonly<Record<string, string>>;
  readonly now: number;
};

type Pending = { readonly at: number; readonly frames: readonly Uint8Array[] };

/** A recent telegram as kept: its frames' layers are cut only when a snapshot shows them. */
type Recent = Omit<RecentTelegram, 'frames'> & {
  readonly raw: readonly Uint8Array[];
  shown?: RecentTelegram;
};

export class LiveState {
  private telegram: TelegramJson | null = null;
  /**
   * The latest telegram not yet turned into the page's JSON. That and the frames' layers are made when a
   * snapshot is taken (at most every 250 ms, and only with a page open), not on the tick that publishes.
   */
  private latest: Telegram | undefined;
  private readonly history: HistoryPoint[] = [];
  private readonly recent: Recent[] = [];
  private pending: Pending | undefined;
  private held = 0;
  private publishedSeen: number;
  /** A ring of the last RAW_BYTES bytes received: `rawEnd` is where the next byte goes. */
  private readonly raw = new Uint8Array(RAW_BYTES);
  private rawEnd = 0;
  private rawFull = false;
  private entities: Readonly<Record<string, string>> = {};
  private readonly listeners = new Set<() => void>();

  /**
   * `delivery` is the MQTT output's: it must listen to the bridge before this (the app adds it first), so
   * that its count says whether the telegram at hand was published.
   */
  constructor(
    private readonly bridge: Bridge,
    private readonly delivery: Delivery,
    private readonly now: () => number = Date.now,
  ) {
    this.publishedSeen = delivery.telegramsPublished;
    bridge.listen({
      bytes: (chunk) => this.keepRaw(chunk),
      reassembled: (frames) => {
        // The bridge settles a telegram synchronously, right after this event: `telegram`, `held` or `rejected`.
        // Copies: their layers are cut later, and a frame's bytes are a view into an 8 KiB block of the decoder's
        // byte pool (bytes/byte-pool.ts), which a kept view would keep alive for as long as the page shows it.
        this.pending = { at: this.now(), frames: frames.map((f) => f.raw.slice()) };
      },
      held: () => {
        if (this.pending === undefined) return;
        this.held++;
        this.settle('held', undefined);
      },
      telegram: (t) => {
        const count = this.delivery.telegramsPublished;
        const published = count > this.publishedSeen;
        this.publishedSeen = count;
        this.latest = t;
        const pIn = t.values.power_in;
        const pOut = t.values.power_out;
        this.history.push([
          this.now(),
          typeof pIn === 'number' ? pIn : null,
          typeof pOut === 'number' ? pOut : null,
        ]);
        this.prune();
        this.settle(published ? 'published' : 'unsent', undefined, {
          values: Object.keys(t.values).length,
          totalsPending: t.values.energy_in === undefined && t.values.energy_out === undefined,
        });
      },
      rejected: (error) => this.settle(error.code, error.message),
    });
  }

  /** Called when the page should be refreshed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setEntities(entities: Readonly<Record<string, string>>): void {
    this.entities = entities;
    this.changed();
  }

  /** The recent raw bytes in arrival order, for download and `decode`. */
  rawBytes(): Uint8Array {
    if (!this.rawFull) return this.raw.slice(0, this.rawEnd);
    return Buffer.concat([this.raw.subarray(this.rawEnd), this.raw.subarray(0, this.rawEnd)]);
  }

  snapshot(): Snapshot {
    this.prune();
    return {
      type: 'snapshot',
      source: this.bridge.sourceDescription,
      mqttConnected: this.delivery.connected,
      lineAdvice: this.bridge.lineAdvice,
      stats: { ...this.bridge.stats, telegramsPublished: this.delivery.telegramsPublished },
      counts: this.counts(),
      telegram: this.latestJson(),
      history: this.history,
      recent: this.recent.map((r) => {
        r.shown ??= {
          at: r.at,
          outcome: r.outcome,
          message: r.message,
          values: r.values,
          totalsPending: r.totalsPending,
          frames: r.raw.map(frameLayers),
        };
        return r.shown;
      }),
      entities: this.entities,
      now: this.now(),
    };
  }

  private latestJson(): TelegramJson | null {
    if (this.latest !== undefined) this.telegram = telegramToJson(this.latest);
    this.latest = undefined;
    return this.telegram;
  }

  private counts(): TelegramCounts {
    const stats = this.bridge.stats;
    const published = this.delivery.telegramsPublished;
    // Accepted telegrams are counted as decoded; those not published found the broker disconnected.
    const unsent = Math.max(0, stats.telegramsDecoded - published);
    let dropped = 0;
    for (const code of GUARD_DROPS) dropped += stats.rejectedByCode[code] ?? 0;
    const held = this.held;
    return { decoded: published + unsent + held + dropped, published, held, unsent, dropped };
  }

  private prune(): void {
    const oldest = this.now() - HISTORY_MS;
    let drop = Math.max(0, this.history.length - HISTORY_POINTS);
    while (drop < this.history.length && (this.history[drop]?.[0] ?? 0) < oldest) drop++;
    if (drop > 0) this.history.splice(0, drop);
  }

  private settle(
    outcome: Outcome,
    message: string | undefined,
    accepted: { values: number; totalsPending: boolean } | undefined = undefined,
  ): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) {
      this.recent.unshift({
        at: pending.at,
        outcome,
        message,
        values: accepted?.values,
        totalsPending: accepted?.totalsPending ?? false,
        raw: pending.frames,
      });
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
