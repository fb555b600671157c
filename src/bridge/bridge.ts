import {
  type DecoderEvent,
  type Framing,
  TelegramDecoder,
  type WireFrame,
} from '../decoder/telegram-decoder.js';
import { type DlmsKeys, uncheckedTagNotice } from '../dlms/decrypt.js';
import type { MeterError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Telegram } from '../meter/meter-model.js';
import { ReadingGuard } from '../meter/reading-guard.js';
import type { ValueKey } from '../meter/value-keys.js';
import type { ByteSource, SourceEvent } from '../source/byte-source.js';
import { INTERFACES_ADVICE, type LineAdvice } from './line-advice.js';
import { emptyStats, type PipelineStats } from './pipeline-stats.js';
import { RejectionLog } from './rejection-log.js';

/**
 * The pipeline: source → decoder → guard → listeners, and its counters. It knows no output: MQTT, the web
 * page, InfluxDB, Prometheus and Home Assistant are listeners (app/ adds them), and it owns no timer.
 */

export type BridgeOptions = {
  readonly keys: DlmsKeys;
  /** The old `--log_console`: every telegram's values in the log. */
  readonly logConsole: boolean;
  /** What to check when bytes arrive but no frame (line-advice.ts); the interfaces in general when absent. */
  readonly lineAdvice?: LineAdvice | undefined;
  /** The framing the grid operator's meters send, expected first (the decoder still finds it from the bytes). */
  readonly framing?: Framing | undefined;
};

export type BridgeDeps = {
  readonly source: ByteSource;
  readonly log: Logger;
  readonly now?: () => number;
};

/** What the guard said of a telegram it let through, beyond the telegram itself. */
export type Accepted = {
  /** The meter's logical device name (0-0:42.0.0), as bound to its system title; undefined until sent. */
  readonly deviceName: string | undefined;
  /**
   * The value keys this telegram and the one before both carried, as decoded (a total held for confirmation
   * counts): a register damaged into another OBIS code once makes no Home Assistant sensor.
   */
  readonly keys: readonly ValueKey[];
};

/**
 * What the pipeline tells its outputs. Listeners are called in the order they were added, each event to
 * all of them before the next: the app adds the MQTT sink first, so that the page sees what it published.
 */
export type BridgeListener = {
  /** Every raw chunk, before decoding (the capture file, the page's download). */
  bytes?(chunk: Uint8Array): void;
  /** The frames of a complete telegram; `telegram`, `held` or `rejected` for it follows at once. */
  reassembled?(frames: readonly WireFrame[]): void;
  /** A telegram the guard let through, of a meter whose number is confirmed: to be published. */
  telegram?(telegram: Telegram, accepted: Accepted): void;
  /** A meter's first telegram: let through, but published from the next one on, which confirms its number. */
  held?(telegram: Telegram): void;
  /** A telegram lost (decoder) or dropped (guard). */
  rejected?(error: MeterError): void;
  /** A value the guard kept out of a telegram it let through (`IMPLAUSIBLE`, `ENERGY_DECREASED`). */
  withheld?(error: MeterError): void;
};

export class Bridge {
  readonly stats: PipelineStats = emptyStats();
  readonly lineAdvice: LineAdvice;
  private readonly decoder: TelegramDecoder;
  private readonly guard = new ReadingGuard();
  private readonly rejections: RejectionLog;
  private readonly now: () => number;
  private lastKeys: ReadonlySet<ValueKey> = new Set();
  private readonly listeners: BridgeListener[] = [];
  private stopped = false;
  private toldTagUnchecked = false;
  /**
   * Nothing has been reassembled or dropped since the source opened: a port opened while the meter is
   * sending joins its telegram in the middle, and the segments before were never on this side to lose.
   */
  private joiningLine = true;

  constructor(
    private readonly options: BridgeOptions,
    private readonly deps: BridgeDeps,
  ) {
    this.decoder = new TelegramDecoder(options.keys, { framing: options.framing });
    this.lineAdvice = options.lineAdvice ?? INTERFACES_ADVICE;
    this.now = deps.now ?? Date.now;
    this.rejections = new RejectionLog(deps.log.child('decode'), this.now);
  }

  listen(listener: BridgeListener): void {
    this.listeners.push(listener);
  }

  get sourceDescription(): string {
    return this.deps.source.description;
  }

  /** Starts reading. The outputs listen already: nothing read is missed. */
  start(): void {
    const { source, log } = this.deps;
    log.info(`reading from ${source.description}`);
    source.start({
      bytes: (chunk) => this.onBytes(chunk),
      event: (event) => this.onSourceEvent(event),
      awaited: () => this.decoder.awaited,
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.deps.source.stop();
  }

  private onBytes(chunk: Uint8Array): void {
    this.stats.bytesReceived += chunk.length;
    this.stats.lastBytesAt = this.now();
    for (const l of this.listeners) l.bytes?.(chunk);
    this.handle(this.decoder.push(chunk));
  }

  private onSourceEvent(event: SourceEvent): void {
    const log = this.deps.log.child('source');
    if (event.kind === 'open') {
      this.joiningLine = true;
      log.info(`open: ${event.detail}`);
    } else if (event.kind === 'closed') {
      this.stats.sourceReconnects++;
      log.debug(`closed: ${event.detail}`);
    } else {
      log.info(`end of input: ${event.detail}`);
      this.handle(this.decoder.end());
    }
  }

  private handle(events: readonly DecoderEvent[]): void {
    for (const event of events) {
      switch (event.kind) {
        case 'frame':
          this.stats.framesValid++;
          this.stats.lastFrameAt = this.now();
          break;
        case 'reassembled':
          this.joiningLine = false;
          this.stats.telegramsReassembled++;
          for (const l of this.listeners) l.reassembled?.(event.frames);
          break;
        case 'discarded':
          this.stats.bytesDiscarded += event.bytes.length;
          break;
        case 'rejected':
          this.reject(event.error);
          break;
        case 'telegram':
          this.accept(event.telegram);
          break;
      }
    }
  }

  private reject(error: MeterError): void {
    const joined = this.joiningLine && error.code === 'SEGMENT_MISSING';
    this.joiningLine = false;
    this.stats.telegramsRejected++;
    this.stats.rejectedByCode[error.code] = (this.stats.rejectedByCode[error.code] ?? 0) + 1;
    this.stats.lastError = { code: error.code, message: error.message, at: this.now() };
    // Counted like any lost telegram, but not a warning: about one start in four opens the port mid-telegram.
    if (joined)
      this.deps.log
        .child('decode')
        .info(
          `the port opened in the middle of a telegram, which is dropped (${error.code}); the next one is read whole`,
        );
    else this.rejections.report(error);
    for (const l of this.listeners) l.rejected?.(error);
  }

  private accept(decoded: Telegram): void {
    this.joiningLine = false;
    if (decoded.tagUnchecked === true && !this.toldTagUnchecked) {
      this.toldTagUnchecked = true;
      this.deps.log.child('decode').warn(uncheckedTagNotice(decoded.systemTitle ?? 'unknown'));
    }
    const checked = this.guard.check(decoded, this.now());
    if (!checked.ok) {
      this.reject(checked.error);
      return;
    }
    const telegram = checked.telegram;
    for (const withheld of checked.withheld) {
      this.stats.valuesWithheld++;
      this.stats.lastError = { code: withheld.code, message: withheld.message, at: this.now() };
      this.rejections.report(withheld);
      for (const l of this.listeners) l.withheld?.(withheld);
    }
    for (const notice of checked.notices) this.deps.log.child('guard').info(notice);
    const sent = Object.keys(decoded.values) as ValueKey[];
    const keys = sent.filter((key) => this.lastKeys.has(key));
    this.lastKeys = new Set(sent);
    if (!checked.identityConfirmed) {
      // A meter's first telegram: its number is not confirmed yet, and outputs keyed by it (discovery,
      // InfluxDB tags, Prometheus labels) would file its values under no meter. The next one confirms it.
      this.deps.log.debug(
        'first telegram of this meter: published from the next one on, which confirms its number',
      );
      for (const l of this.listeners) l.held?.(telegram);
      return;
    }
    this.stats.telegramsDecoded++;
    this.stats.lastTelegramAt = this.now();
    this.stats.frameCounter = telegram.frameCounter;
    if (this.options.logConsole) this.deps.log.info(formatValues(telegram));
    const accepted: Accepted = { deviceName: checked.deviceName, keys };
    for (const l of this.listeners) l.telegram?.(telegram, accepted);
  }
}

function formatValues(telegram: Telegram): string {
  const parts = Object.entries(telegram.values).map(([key, value]) => `${key}=${value}`);
  return `${telegram.time ?? ''} ${parts.join(' ')}`.trim();
}
