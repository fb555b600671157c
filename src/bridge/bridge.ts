import { type DecoderEvent, TelegramDecoder } from '../decoder/telegram-decoder.js';
import { telegramToJson } from '../decoder/telegram-json.js';
import type { DlmsKeys } from '../dlms/decrypt.js';
import type { MeterError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import type { Telegram } from '../meter/meter-model.js';
import { ReadingGuard } from '../meter/reading-guard.js';
import { VALUE_KEYS, type ValueKey } from '../meter/value-keys.js';
import {
  buildDiscovery,
  type DiscoveryContext,
  type DiscoveryInput,
  type DiscoveryMessage,
} from '../mqtt/discovery.js';
import type { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { diagnosticTopic, jsonTopic, stateTopic, statusTopic } from '../mqtt/topics.js';
import type { ByteSource, SourceEvent } from '../source/byte-source.js';
import { emptyStats, type PipelineStats, staleHint } from './pipeline-stats.js';
import { RejectionLog } from './rejection-log.js';

/**
 * The composition root of the running bridge: source → decoder → guard → MQTT. It owns the timers
 * (stale detection, the delayed re-send after Home Assistant's birth message) and the latest published
 * state, which it sends again whenever the broker connection comes back.
 */

export type BridgeOptions = {
  readonly keys: DlmsKeys;
  readonly topicPrefix: string;
  readonly discoveryPrefix: string;
  readonly discovery: boolean;
  readonly staleTimeoutS: number;
  /** The old `--log_console`: every telegram's values in the log. */
  readonly logConsole: boolean;
};

export type BridgeDeps = {
  readonly source: ByteSource;
  readonly mqtt: MqttPublisher;
  readonly log: Logger;
  /** Sees every raw chunk before decoding (the capture file). */
  readonly tap?: ((chunk: Uint8Array) => void) | undefined;
  readonly now?: () => number;
};

export type BridgeListener = {
  bytes?(chunk: Uint8Array): void;
  /** The frames of a complete telegram; `telegram` or `rejected` for it follows. */
  reassembled?(frames: readonly MbusFrame[]): void;
  telegram?(telegram: Telegram): void;
  rejected?(error: MeterError): void;
};

const BIRTH_RESEND_DELAY_MS = 1000;
const STALE_REPEAT_MS = 10 * 60_000;
/** A meter counts as stale after this many of its push periods without a telegram, at the least. */
const STALE_PERIODS = 3;

export class Bridge {
  readonly stats: PipelineStats = emptyStats();
  private readonly decoder: TelegramDecoder;
  private readonly guard = new ReadingGuard();
  private readonly rejections: RejectionLog;
  private readonly now: () => number;
  /** topic → payload of every retained state message, re-sent on reconnect. */
  private readonly retained = new Map<string, string>();
  private discovery: DiscoveryMessage | undefined;
  private discoveryInput: DiscoveryInput | undefined;
  private discoveryContext: DiscoveryContext = {};
  private discoveryKeys: ValueKey[] = [];
  /** Discovery made while the broker was away: logged as published when it really goes out. */
  private discoveryUnsent = false;
  /** The shortest time between two telegrams seen: the meter's push period (or a multiple of it). */
  private periodMs: number | undefined;
  private lastAcceptedAt: number | undefined;
  private lastKeys: ReadonlySet<ValueKey> = new Set();
  private staleSince: number | undefined;
  private staleReportedAt: number | undefined;
  private available = false;
  private staleTimer: NodeJS.Timeout | undefined;
  private birthTimer: NodeJS.Timeout | undefined;
  private readonly listeners: BridgeListener[] = [];
  private stopped = false;

  constructor(
    private readonly options: BridgeOptions,
    private readonly deps: BridgeDeps,
  ) {
    this.decoder = new TelegramDecoder(options.keys);
    this.now = deps.now ?? Date.now;
    this.rejections = new RejectionLog(deps.log.child('decode'), this.now);
  }

  listen(listener: BridgeListener): void {
    this.listeners.push(listener);
  }

  /**
   * What Home Assistant or the Supervisor said about where the bridge runs (its language, the add-on's page):
   * discovery is sent again once if that changes what it says.
   */
  setDiscoveryContext(update: DiscoveryContext): void {
    this.discoveryContext = { ...this.discoveryContext, ...update };
    if (this.discoveryInput !== undefined)
      this.publishDiscovery({ ...this.discoveryInput, ...this.discoveryContext });
  }

  /**
   * Seconds without a telegram before the meter is offline and its sensors expire: the configured stale
   * timeout, or more for a meter that pushes so rarely that it would flap (three of its periods, in steps
   * of 30 s so that jitter does not change discovery).
   */
  get staleAfterS(): number {
    const configured = this.options.staleTimeoutS;
    if (this.periodMs === undefined) return configured;
    const needed = (STALE_PERIODS * this.periodMs) / 1000;
    return needed <= configured ? configured : Math.ceil(needed / 30) * 30;
  }

  start(): void {
    const { source, mqtt, log } = this.deps;
    log.info(`reading from ${source.description}`);
    mqtt.start({ onConnected: () => this.republishAll(), onBirth: () => this.scheduleBirthResend() });
    source.start({
      bytes: (chunk) => this.onBytes(chunk),
      event: (event) => this.onSourceEvent(event),
    });
    this.armStaleTimer();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.staleTimer);
    clearTimeout(this.birthTimer);
    await this.deps.source.stop();
    await this.deps.mqtt.stop();
  }

  private onBytes(chunk: Uint8Array): void {
    this.stats.bytesReceived += chunk.length;
    this.deps.tap?.(chunk);
    for (const l of this.listeners) l.bytes?.(chunk);
    this.handle(this.decoder.push(chunk));
  }

  private onSourceEvent(event: SourceEvent): void {
    const log = this.deps.log.child('source');
    if (event.kind === 'open') {
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
          break;
        case 'reassembled':
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
    this.stats.telegramsRejected++;
    this.stats.rejectedByCode[error.code] = (this.stats.rejectedByCode[error.code] ?? 0) + 1;
    this.stats.lastError = { code: error.code, message: error.message, at: this.now() };
    this.rejections.report(error);
    this.publishDiagnostics();
    for (const l of this.listeners) l.rejected?.(error);
  }

  private accept(decoded: Telegram): void {
    const checked = this.guard.check(decoded, this.now());
    if (!checked.ok) {
      this.reject(checked.error);
      return;
    }
    const telegram = checked.telegram;
    const receivedAt = this.now();
    if (this.lastAcceptedAt !== undefined && receivedAt > this.lastAcceptedAt)
      this.periodMs = Math.min(this.periodMs ?? Number.POSITIVE_INFINITY, receivedAt - this.lastAcceptedAt);
    this.lastAcceptedAt = receivedAt;
    for (const withheld of checked.withheld) {
      this.stats.valuesWithheld++;
      this.stats.lastError = { code: withheld.code, message: withheld.message, at: this.now() };
      this.rejections.report(withheld);
    }
    for (const notice of checked.notices) this.deps.log.child('guard').info(notice);
    // A key joins discovery once two telegrams in a row carry it, so that a register damaged into another
    // OBIS code makes no sensor. Keys as decoded: a total held for confirmation still is a sensor.
    const sent = Object.keys(decoded.values) as ValueKey[];
    const keys = sent.filter((key) => this.lastKeys.has(key));
    this.lastKeys = new Set(sent);
    if (!checked.identityConfirmed) {
      // A meter's first telegram: its number is not confirmed yet, and sinks keyed by it (discovery,
      // InfluxDB tags, Prometheus labels) would file its values under no meter. The next one confirms it.
      this.deps.log.debug(
        'first telegram of this meter: published from the next one on, which confirms its number',
      );
      return;
    }
    this.stats.telegramsDecoded++;
    this.stats.lastTelegramAt = this.now();
    this.stats.frameCounter = telegram.frameCounter;
    if (this.options.logConsole) this.deps.log.info(formatValues(telegram));

    this.publishDiscoveryFor(telegram, checked.deviceName, keys);
    const prefix = this.options.topicPrefix;
    for (const spec of VALUE_KEYS) {
      const value = telegram.values[spec.key];
      if (value !== undefined) this.publishRetained(stateTopic(prefix, spec.key), String(value));
    }
    if (this.publishRetained(jsonTopic(prefix), JSON.stringify(telegramToJson(telegram))))
      this.stats.telegramsPublished++;
    this.publishDiagnostics();
    this.setAvailable(true);
    if (this.staleSince !== undefined) this.deps.log.info('telegrams decode again');
    this.staleSince = undefined;
    this.staleReportedAt = undefined;
    this.armStaleTimer();
    for (const l of this.listeners) l.telegram?.(telegram);
  }

  private publishDiscoveryFor(
    telegram: Telegram,
    deviceName: string | undefined,
    keys: readonly ValueKey[],
  ): void {
    if (!this.options.discovery) return;
    const meterId = telegram.meterId ?? telegram.systemTitle;
    if (meterId === undefined) return;
    // Keys only ever join: a telegram that lacks a value removes no sensor.
    const previous = this.discovery === undefined ? [] : this.discoveryKeys;
    const merged = [...new Set([...previous, ...keys])];
    if (merged.length === 0) return;
    this.discoveryKeys = merged;
    this.publishDiscovery({
      discoveryPrefix: this.options.discoveryPrefix,
      topicPrefix: this.options.topicPrefix,
      meterId,
      systemTitle: telegram.systemTitle,
      deviceName,
      keys: merged,
      expireAfterS: this.staleAfterS,
      ...this.discoveryContext,
    });
  }

  /** Sends discovery when it says something new; the same payload again is not sent. */
  private publishDiscovery(input: DiscoveryInput): void {
    this.discoveryInput = input;
    const message = buildDiscovery(input);
    if (message.payload === this.discovery?.payload) return;
    this.discovery = message;
    const log = this.deps.log.child('mqtt');
    this.discoveryUnsent = !this.deps.mqtt.publish(message.topic, message.payload, { retain: true, qos: 1 });
    if (this.discoveryUnsent)
      log.debug(`Home Assistant discovery for meter ${input.meterId} is sent once the broker is connected`);
    else log.info(`published Home Assistant discovery for meter ${input.meterId}: ${entityCount(message)}`);
  }

  private publishDiagnostics(): void {
    const prefix = this.options.topicPrefix;
    const s = this.stats;
    this.publishRetained(diagnosticTopic(prefix, 'telegrams_received'), String(s.telegramsDecoded));
    this.publishRetained(diagnosticTopic(prefix, 'telegrams_rejected'), String(s.telegramsRejected));
    this.publishRetained(
      diagnosticTopic(prefix, 'last_error'),
      s.lastError === undefined ? 'none' : s.lastError.code,
    );
    if (s.frameCounter !== undefined)
      this.publishRetained(diagnosticTopic(prefix, 'frame_counter'), String(s.frameCounter));
  }

  private publishRetained(topic: string, payload: string): boolean {
    this.retained.set(topic, payload);
    return this.deps.mqtt.publish(topic, payload, { retain: true });
  }

  get mqttConnected(): boolean {
    return this.deps.mqtt.connected;
  }

  get mqttReconnects(): number {
    return this.deps.mqtt.reconnects;
  }

  get sourceDescription(): string {
    return this.deps.source.description;
  }

  private setAvailable(available: boolean): void {
    if (this.available === available) return;
    this.available = available;
    this.deps.mqtt.publish(statusTopic(this.options.topicPrefix), available ? 'online' : 'offline', {
      retain: true,
      qos: 1,
    });
  }

  /** After (re)connecting: availability, discovery, then every retained state, so nothing is stale in HA. */
  private republishAll(): void {
    const mqtt = this.deps.mqtt;
    mqtt.publish(statusTopic(this.options.topicPrefix), this.available ? 'online' : 'offline', {
      retain: true,
      qos: 1,
    });
    if (
      this.discovery !== undefined &&
      mqtt.publish(this.discovery.topic, this.discovery.payload, { retain: true, qos: 1 }) &&
      this.discoveryUnsent
    ) {
      this.discoveryUnsent = false;
      this.deps.log
        .child('mqtt')
        .info(
          `published Home Assistant discovery for meter ${this.discoveryInput?.meterId}: ${entityCount(this.discovery)}`,
        );
    }
    for (const [topic, payload] of this.retained) mqtt.publish(topic, payload, { retain: true });
  }

  private scheduleBirthResend(): void {
    clearTimeout(this.birthTimer);
    // HA asks every publisher at once; a short random delay spreads the burst (Home Assistant's MQTT discovery documentation, birth message).
    this.birthTimer = setTimeout(
      () => this.republishAll(),
      BIRTH_RESEND_DELAY_MS * (0.5 + Math.random() / 2),
    );
  }

  private armStaleTimer(): void {
    clearTimeout(this.staleTimer);
    if (this.stopped) return;
    this.staleTimer = setTimeout(() => this.onStale(), this.staleAfterS * 1000);
  }

  private onStale(): void {
    const now = this.now();
    this.staleSince ??= now;
    // Once when it starts, then every ten minutes with what has been seen since, not every timeout.
    if (this.staleReportedAt === undefined || now - this.staleReportedAt >= STALE_REPEAT_MS) {
      const seconds = Math.round((now - this.staleSince) / 1000) + this.staleAfterS;
      this.deps.log.warn(`no valid telegram for ${seconds} s: ${staleHint(this.stats)}`);
      this.staleReportedAt = now;
    }
    this.setAvailable(false);
    this.armStaleTimer();
  }
}

/** "19 entities: 13 sensors, 6 diagnostic", counted in the payload Home Assistant gets. */
function entityCount(message: DiscoveryMessage): string {
  const components = Object.values(
    (JSON.parse(message.payload) as { components?: Record<string, { entity_category?: string }> })
      .components ?? {},
  );
  const diagnostic = components.filter((c) => c.entity_category === 'diagnostic').length;
  return `${components.length} entities: ${components.length - diagnostic} sensors, ${diagnostic} diagnostic`;
}

function formatValues(telegram: Telegram): string {
  const parts = Object.entries(telegram.values).map(([key, value]) => `${key}=${value}`);
  return `${telegram.time ?? ''} ${parts.join(' ')}`.trim();
}
