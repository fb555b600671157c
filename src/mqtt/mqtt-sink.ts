import type { Accepted, Bridge } from '../bridge/bridge.js';
import type { Delivery } from '../bridge/delivery.js';
import { staleHint } from '../bridge/pipeline-stats.js';
import { telegramToJson } from '../decoder/telegram-json.js';
import type { Logger } from '../log.js';
import type { Telegram } from '../meter/meter-model.js';
import { VALUE_KEYS, type ValueKey } from '../meter/value-keys.js';
import {
  buildDiscovery,
  type DiscoveryContext,
  type DiscoveryInput,
  type DiscoveryMessage,
} from './discovery.js';
import type { Publisher } from './publisher.js';
import {
  DIAGNOSTICS,
  type DiagnosticName,
  diagnosticTopic,
  jsonTopic,
  stateTopic,
  statusTopic,
} from './topics.js';

/**
 * The bridge's MQTT output: every accepted telegram's values and JSON (retained), the diagnostics,
 * availability, and Home Assistant discovery. It owns the timers MQTT needs (stale detection: `offline`
 * when no valid telegram came for a while; the delayed re-send after Home Assistant's birth message) and the
 * latest published state, which it sends again whenever the broker connection comes back.
 */

export type MqttSinkOptions = {
  readonly topicPrefix: string;
  readonly discoveryPrefix: string;
  readonly discovery: boolean;
  readonly staleTimeoutS: number;
  /** What is known at start about where the bridge runs (the add-on's page); more may follow. */
  readonly discoveryContext?: DiscoveryContext;
};

const BIRTH_RESEND_DELAY_MS = 1000;
const STALE_REPEAT_MS = 10 * 60_000;
/** A meter counts as stale after this many of its push periods without a telegram, at the least. */
const STALE_PERIODS = 3;

export class MqttSink implements Delivery {
  private published = 0;
  /** topic → payload of every retained state message, re-sent on reconnect. */
  private readonly retained = new Map<string, string>();
  private discovery: DiscoveryMessage | undefined;
  private discoveryInput: DiscoveryInput | undefined;
  private discoveryContext: DiscoveryContext;
  private discoveryKeys: ValueKey[] = [];
  /** Discovery made while the broker was away: logged as published when it really goes out. */
  private discoveryUnsent = false;
  /** The shortest time between two telegrams seen: the meter's push period (or a multiple of it). */
  private periodMs: number | undefined;
  private lastAcceptedAt: number | undefined;
  private staleSince: number | undefined;
  private staleReportedAt: number | undefined;
  private available = false;
  private staleTimer: NodeJS.Timeout | undefined;
  private birthTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Topic names made once: a fresh string per message is hashed again by `retained` and measured again by MQTT.js. */
  private readonly stateTopics: readonly { readonly key: ValueKey; readonly topic: string }[];
  private readonly jsonTopic: string;
  private readonly diagnosticTopics: Readonly<Record<DiagnosticName, string>>;

  constructor(
    private readonly bridge: Bridge,
    private readonly publisher: Publisher,
    private readonly options: MqttSinkOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.discoveryContext = options.discoveryContext ?? {};
    const prefix = options.topicPrefix;
    this.stateTopics = VALUE_KEYS.map(({ key }) => ({ key, topic: stateTopic(prefix, key) }));
    this.jsonTopic = jsonTopic(prefix);
    this.diagnosticTopics = Object.fromEntries(
      DIAGNOSTICS.map((name) => [name, diagnosticTopic(prefix, name)]),
    ) as Record<DiagnosticName, string>;
    bridge.listen({
      held: () => this.measurePeriod(),
      telegram: (telegram, accepted) => {
        this.measurePeriod();
        this.publishTelegram(telegram, accepted);
      },
      rejected: () => this.publishDiagnostics(),
    });
  }

  get connected(): boolean {
    return this.publisher.connected;
  }

  get reconnects(): number {
    return this.publisher.reconnects;
  }

  get telegramsPublished(): number {
    return this.published;
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

  /**
   * What Home Assistant or the Supervisor said about where the bridge runs (its language, the add-on's page):
   * discovery is sent again once if that changes what it says.
   */
  setDiscoveryContext(update: DiscoveryContext): void {
    this.discoveryContext = { ...this.discoveryContext, ...update };
    if (this.discoveryInput !== undefined)
      this.publishDiscovery({ ...this.discoveryInput, ...this.discoveryContext });
  }

  /** Connects (a CA file that cannot be read throws here) and starts waiting for the first telegram. */
  start(): void {
    this.publisher.start({
      onConnected: () => this.republishAll(),
      onBirth: () => this.scheduleBirthResend(),
    });
    this.armStaleTimer();
  }

  /** Publishes `offline` after everything before it, and disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.staleTimer);
    clearTimeout(this.birthTimer);
    await this.publisher.stop();
  }

  private measurePeriod(): void {
    const receivedAt = this.now();
    if (this.lastAcceptedAt !== undefined && receivedAt > this.lastAcceptedAt)
      this.periodMs = Math.min(this.periodMs ?? Number.POSITIVE_INFINITY, receivedAt - this.lastAcceptedAt);
    this.lastAcceptedAt = receivedAt;
  }

  private publishTelegram(telegram: Telegram, accepted: Accepted): void {
    this.publishDiscoveryFor(telegram, accepted);
    for (const { key, topic } of this.stateTopics) {
      const value = telegram.values[key];
      if (value !== undefined) this.publishRetained(topic, String(value));
    }
    if (this.publishRetained(this.jsonTopic, JSON.stringify(telegramToJson(telegram)))) this.published++;
    this.publishDiagnostics();
    this.setAvailable(true);
    if (this.staleSince !== undefined) this.log.info('telegrams decode again');
    this.staleSince = undefined;
    this.staleReportedAt = undefined;
    this.armStaleTimer();
  }

  private publishDiscoveryFor(telegram: Telegram, accepted: Accepted): void {
    if (!this.options.discovery) return;
    const meterId = telegram.meterId ?? telegram.systemTitle;
    if (meterId === undefined) return;
    // Keys only ever join: a telegram that lacks a value removes no sensor.
    const previous = this.discovery === undefined ? [] : this.discoveryKeys;
    const merged = accepted.keys.every((key) => previous.includes(key))
      ? previous
      : [...new Set([...previous, ...accepted.keys])];
    if (merged.length === 0) return;
    this.discoveryKeys = merged;
    this.publishDiscovery({
      discoveryPrefix: this.options.discoveryPrefix,
      topicPrefix: this.options.topicPrefix,
      meterId,
      systemTitle: telegram.systemTitle,
      deviceName: accepted.deviceName,
      keys: merged,
      expireAfterS: this.staleAfterS,
      ...this.discoveryContext,
    });
  }

  /**
   * Sends discovery when it says something new; the same payload again is not sent. Built only when its
   * input changed (discovery is pure): building it for every telegram cost as much as the rest of the
   * publish, on the path of every telegram's state.
   */
  private publishDiscovery(input: DiscoveryInput): void {
    if (this.discoveryInput !== undefined && sameDiscoveryInput(input, this.discoveryInput)) return;
    this.discoveryInput = input;
    const message = buildDiscovery(input);
    if (message.payload === this.discovery?.payload) return;
    this.discovery = message;
    const log = this.log.child('mqtt');
    this.discoveryUnsent = !this.publisher.publish(message.topic, message.payload, { retain: true, qos: 1 });
    if (this.discoveryUnsent)
      log.debug(`Home Assistant discovery for meter ${input.meterId} is sent once the broker is connected`);
    else log.info(`published Home Assistant discovery for meter ${input.meterId}: ${entityCount(message)}`);
  }

  private publishDiagnostics(): void {
    const topics = this.diagnosticTopics;
    const s = this.bridge.stats;
    this.publishRetained(topics.telegrams_received, String(s.telegramsDecoded));
    this.publishRetained(topics.telegrams_rejected, String(s.telegramsRejected));
    this.publishRetained(topics.last_error, s.lastError === undefined ? 'none' : s.lastError.code);
    if (s.frameCounter !== undefined) this.publishRetained(topics.frame_counter, String(s.frameCounter));
  }

  private publishRetained(topic: string, payload: string): boolean {
    this.retained.set(topic, payload);
    return this.publisher.publish(topic, payload, { retain: true });
  }

  private setAvailable(available: boolean): void {
    if (this.available === available) return;
    this.available = available;
    this.publisher.publish(statusTopic(this.options.topicPrefix), available ? 'online' : 'offline', {
      retain: true,
      qos: 1,
    });
  }

  /** After (re)connecting: availability, discovery, then every retained state, so nothing is stale in HA. */
  private republishAll(): void {
    const publisher = this.publisher;
    publisher.publish(statusTopic(this.options.topicPrefix), this.available ? 'online' : 'offline', {
      retain: true,
      qos: 1,
    });
    if (
      this.discovery !== undefined &&
      publisher.publish(this.discovery.topic, this.discovery.payload, { retain: true, qos: 1 }) &&
      this.discoveryUnsent
    ) {
      this.discoveryUnsent = false;
      this.log
        .child('mqtt')
        .info(
          `published Home Assistant discovery for meter ${this.discoveryInput?.meterId}: ${entityCount(this.discovery)}`,
        );
    }
    for (const [topic, payload] of this.retained) publisher.publish(topic, payload, { retain: true });
  }

  private scheduleBirthResend(): void {
    clearTimeout(this.birthTimer);
    if (this.stopped) return;
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
      this.log.warn(
        `no valid telegram for ${seconds} s: ${staleHint(this.bridge.stats, this.bridge.lineAdvice)}`,
      );
      this.staleReportedAt = now;
    }
    this.setAvailable(false);
    this.armStaleTimer();
  }
}

/** Every field the same (an absent one and one set to undefined alike), the value keys in the same order. */
function sameDiscoveryInput(a: DiscoveryInput, b: DiscoveryInput): boolean {
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  for (const field in x) if (field !== 'keys' && x[field] !== y[field]) return false;
  for (const field in y) if (field !== 'keys' && x[field] !== y[field]) return false;
  return a.keys.length === b.keys.length && a.keys.every((key, i) => key === b.keys[i]);
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
