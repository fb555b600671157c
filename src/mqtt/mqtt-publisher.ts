import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from '../source/byte-source.js';
import { StillTrying } from '../source/retry.js';
import type { Publisher, PublisherEvents, PublishOptions } from './publisher.js';

/**
 * The MQTT connection (MQTT.js v5). It never blocks the data path: while the broker is down, publish()
 * drops the message instead of queueing it, because the MQTT sink re-publishes the latest state and the
 * discovery as soon as the connection is back (onConnected). The availability topic is the last will,
 * so the broker itself says `offline` when the bridge dies.
 */

export type MqttPublisherOptions = {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly caFile: string | undefined;
  readonly clientId: string;
  readonly statusTopic: string;
  /** Home Assistant's birth topic: `online` there means HA (re)started and wants discovery again. */
  readonly birthTopic: string | undefined;
  readonly backoff?: Backoff;
};

export class MqttPublisher implements Publisher {
  private client: MqttClient | undefined;
  private attempt = 0;
  private everConnected = false;
  private lastError: string | undefined;
  private readonly stillTrying = new StillTrying();
  reconnects = 0;

  constructor(
    private readonly options: MqttPublisherOptions,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client?.connected === true;
  }

  start(events: PublisherEvents): void {
    const o = this.options;
    const backoff = o.backoff ?? DEFAULT_BACKOFF;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      clean: true,
      connectTimeout: 10_000,
      reconnectPeriod: backoff.initialMs,
      queueQoSZero: false,
      // Otherwise mqtt-packet pre-builds 65,536 two-byte Buffers for packet ids: ~6 MB of heap that a
      // bridge publishing one telegram per 5 s never needs, and a third of its memory.
      writeCache: false,
      will: { topic: o.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.caFile === undefined ? {} : { ca: readCaFile(o.caFile) }),
    };
    const client = mqtt.connect(o.url, clientOptions);
    this.client = client;

    client.on('connect', () => {
      noDelay(client);
      this.attempt = 0;
      client.options.reconnectPeriod = backoff.initialMs;
      this.lastError = undefined;
      this.stillTrying.succeeded();
      this.log.info(`${this.everConnected ? 'connected again to' : 'connected to'} ${redactUrl(o.url)}`);
      this.everConnected = true;
      if (o.birthTopic !== undefined) {
        client.subscribe(o.birthTopic, { qos: 1 }, (error) => {
          if (error) this.log.warn(`cannot subscribe to ${o.birthTopic}: ${error.message}`);
        });
      }
      events.onConnected();
    });
    client.on('message', (topic, payload) => {
      if (topic === o.birthTopic && payload.toString() === 'online') events.onBirth();
    });
    client.on('close', () => {
      // MQTT.js retries at a fixed period; stretch it so a broker that is down for hours is not hammered.
      const period = backoffDelay(backoff, this.attempt++);
      client.options.reconnectPeriod = period;
      // Every failed attempt ends here; the error itself is logged once, so say now and then that it goes on.
      const failingFor = this.stillTrying.failed();
      if (failingFor !== undefined && this.client === client)
        this.log.warn(
          `still not connected to ${redactUrl(o.url)} after ${failingFor} (${this.lastError ?? 'no answer'}); nothing reaches the broker meanwhile, the latest values are sent once it answers; next try in ${Math.round(period / 1000)} s`,
        );
    });
    client.on('reconnect', () => {
      this.reconnects++;
      this.log.debug(`reconnecting to ${redactUrl(o.url)} (attempt ${this.attempt})`);
    });
    client.on('offline', () => {
      if (this.everConnected)
        this.log.warn(
          `connection to ${redactUrl(o.url)} lost; data keeps flowing and is published again when it is back`,
        );
    });
    client.on('error', (error) => {
      const message = describeMqttError(error, o.url.startsWith('mqtts:'));
      if (message !== this.lastError) this.log.error(`${redactUrl(o.url)}: ${message}`);
      this.lastError = message;
    });
  }

  /** Returns false when not connected (the message is dropped; the caller keeps the latest state). */
  publish(topic: string, payload: string, options: PublishOptions): boolean {
    const client = this.client;
    if (client === undefined || !client.connected) return false;
    client.publish(topic, payload, { retain: options.retain, qos: options.qos ?? 0 }, (error) => {
      if (error) this.log.debug(`publish to ${topic} failed: ${error.message}`);
    });
    return true;
  }

  /** Publishes `offline` (the will is not sent on a clean disconnect) and disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.client = undefined;
    if (client.connected) {
      try {
        await client.publishAsync(this.options.statusTopic, 'offline', { retain: true, qos: 1 });
      } catch {
        // Disconnecting anyway; the broker's will covers a failed publish.
      }
    }
    await client.endAsync();
  }
}

/**
 * Nagle off on the broker connection (TCP or TLS; a WebSocket stream has no such switch). MQTT.js writes each
 * telegram's messages as one batch, but with Nagle on, a batch that follows the previous one before the
 * broker has acknowledged it waits for that acknowledgement, which the broker's kernel delays by up to
 * 40 ms (delayed ACK): a burst's latency tail, measured at the broker's socket.
 */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown };
  if (typeof stream.setNoDelay === 'function') stream.setNoDelay(true);
}

// Node's names for a server certificate that no trusted CA vouches for.
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** The broker's error in the user's terms, with what to check; Node's own text only as a last resort. */
function describeMqttError(error: Error & { code?: unknown }, tls: boolean): string {
  const code = error.code;
  if (code === 'ECONNREFUSED') return 'connection refused: is the broker running, and is host/port right?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 5 || code === 135 || /Not authorized/i.test(error.message))
    return 'not authorised: check MQTT user and password';
  if (code === 4 || code === 134 || /Bad username or password/i.test(error.message))
    return 'bad user name or password';
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code))
    return `the broker's TLS certificate is not trusted (${code}): give the CA that signed it with --mqtt-ca FILE`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the broker's TLS certificate is for another host name (${error.message})`;
  if (code === 'CERT_HAS_EXPIRED') return "the broker's TLS certificate has expired";
  // A plain MQTT listener answers a TLS hello by closing the connection, or with bytes that are no TLS record.
  if (tls && (code === 'ECONNRESET' || code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER'))
    return `TLS handshake failed (${String(code)}): does this port speak TLS? MQTT over TLS is usually port 8883; plain MQTT (mqtt://) 1883`;
  return error.message;
}

/** mqtt://user:secret@host → mqtt://user:***@host */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(
      `the MQTT CA file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
