import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { isMeterError } from '../errors.js';
import { parseKey } from '../key.js';
import { LOG_LEVELS } from '../log.js';
import { parseDsn } from '../sinks/sentry.js';
import type { BridgeConfig, SourceConfig } from './config.js';
import {
  ConfigProblem,
  fail,
  type Given,
  type Raw,
  readEnvironment,
  readFlags,
  readOptionsFile,
} from './raw-input.js';

/**
 * Flags, environment variables and a JSON options file (the add-on's /data/options.json) → one
 * validated BridgeConfig. Precedence: defaults < options file < environment < flags. Every problem is one
 * sentence naming the option the way the user wrote it (`--mqtt_port`, `MQTT_PORT`, option `mqtt_port`);
 * the key and the password never appear in a message.
 */

export type LoadInput = {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readTextFile?: (path: string) => string;
};

export type LoadResult = { ok: true; config: BridgeConfig } | { ok: false; message: string };

export function loadConfig(input: LoadInput): LoadResult {
  try {
    const raw: Raw = {};
    const flags = readFlags(input.argv);
    const optionsFile = flags.options;
    if (optionsFile !== undefined)
      Object.assign(
        raw,
        readOptionsFile(optionsFile, input.readTextFile ?? ((p) => readFileSync(p, 'utf8'))),
      );
    Object.assign(raw, readEnvironment(input.env));
    Object.assign(raw, flags.raw);
    return { ok: true, config: build(raw) };
  } catch (error) {
    if (error instanceof ConfigProblem) return { ok: false, message: error.message };
    if (isMeterError(error)) return { ok: false, message: error.message };
    return { ok: false, message: (error as Error).message };
  }
}

/** MQTT topic names for our prefixes: no wildcards, no NUL, no empty level at either end. */
function isTopicPrefix(text: string): boolean {
  return (
    text.length > 0 &&
    !/[#+]/.test(text) &&
    !text.includes(String.fromCharCode(0)) &&
    !text.startsWith('/') &&
    !text.endsWith('/')
  );
}

/** An IP address or a host name (`localhost`) for the status page to listen on. */
function isListenAddress(text: string): boolean {
  return isIP(text) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(text);
}

function check<T>(given: Given | undefined, schema: z.ZodType<T>, fallback: T, problem: string): T {
  if (given === undefined) return fallback;
  const result = schema.safeParse(given.value);
  if (!result.success) fail(given, `${problem}, got "${given.value}"`);
  return result.data;
}

/** The lowest stale timeout (and so expire_after) accepted; config.yaml's schema has the same floor. */
export const MIN_STALE_TIMEOUT_S = 30;

const integer = (min: number, max: number): z.ZodType<number> => z.coerce.number().int().min(min).max(max);
const topic = z.string().refine(isTopicPrefix);

function build(raw: Raw): BridgeConfig {
  if (raw.key === undefined) {
    fail(
      'key',
      'missing — set --key, SERIAL_KEY or the add-on option "key" to the 32 hex digits your grid operator sent',
    );
  }
  const key = parseKey(raw.key.value, raw.key.from);
  const authKey = raw.auth_key === undefined ? undefined : parseKey(raw.auth_key.value, raw.auth_key.from);

  const topicPrefix = check(
    raw.topic_prefix,
    topic,
    'home/smart_meter',
    'a topic without + or # and without a leading or trailing /',
  );
  const discoveryPrefix = check(
    raw.discovery_prefix,
    topic,
    'homeassistant',
    'a topic without + or # and without a leading or trailing /',
  );
  if (discoveryPrefix === topicPrefix)
    fail(raw.discovery_prefix ?? 'discovery prefix', 'must differ from the topic prefix');

  return {
    source: buildSource(raw),
    key,
    authKey,
    capture: raw.capture?.value,
    mqtt: {
      url: mqttUrl(raw),
      username: raw.mqtt_user?.value,
      password: raw.mqtt_password?.value,
      caFile: raw.mqtt_ca?.value,
      clientId: raw.mqtt_client_id?.value ?? `smartmeter-bridge-${randomBytes(3).toString('hex')}`,
      topicPrefix,
      discoveryPrefix,
      birthTopic: check(raw.birth_topic, topic, 'homeassistant/status', 'a topic without + or #'),
      discovery: raw.discovery?.value !== 'false',
    },
    // At least 30 s: the meters push every 5 s (some every 10 or 15 s), and a timeout of one or two periods
    // would take every sensor to unavailable and back whenever a telegram is a little late.
    staleTimeoutS: check(
      raw.stale_timeout,
      integer(MIN_STALE_TIMEOUT_S, 3600),
      30,
      `expected whole seconds from ${MIN_STALE_TIMEOUT_S} to 3600 (less would make the sensors flap between unavailable and available)`,
    ),
    homeAssistant: buildHomeAssistant(raw),
    influx: buildInflux(raw),
    sentryUrl: buildSentry(raw),
    httpPort:
      raw.http_port === undefined
        ? undefined
        : check(raw.http_port, integer(0, 65535), 0, 'expected a port number 0-65535'),
    httpHost: check(
      raw.http_host,
      z.string().refine(isListenAddress),
      '127.0.0.1',
      'expected an address to listen on, such as 127.0.0.1 (the default), 0.0.0.0 (every IPv4 address) or ::',
    ),
    // Only the add-on narrows who may ask (Home Assistant's ingress gateway); no flag sets it.
    httpAllowedPeers: undefined,
    logLevel: check(raw.log_level, z.enum(LOG_LEVELS), 'info', `expected one of ${LOG_LEVELS.join(', ')}`),
    logConsole: raw.log_console !== undefined && !/^(|0|false|no|off)$/i.test(raw.log_console.value.trim()),
  };
}

function buildInflux(raw: Raw): BridgeConfig['influx'] {
  const url = raw.influx_url;
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^/\s]+/.test(url.value)) fail(url, `expected http://host:8086, got "${url.value}"`);
  for (const [field, name] of [
    ['influx_token', 'INFLUX_TOKEN / --influx-token'],
    ['influx_org', 'INFLUX_ORGANIZATION / --influx-org'],
    ['influx_bucket', 'INFLUX_BUCKET / --influx-bucket'],
  ] as const) {
    if (raw[field] === undefined) fail(url, `InfluxDB also needs ${name}`);
  }
  return {
    url: url.value,
    token: raw.influx_token?.value ?? '',
    org: raw.influx_org?.value ?? '',
    bucket: raw.influx_bucket?.value ?? '',
    queueDir: raw.influx_queue_dir?.value ?? 'influx-queue',
    maxQueueBytes:
      1024 *
      1024 *
      check(raw.influx_queue_mb, integer(1, 100_000), 100, 'expected megabytes from 1 to 100000'),
  };
}

function buildSentry(raw: Raw): string | undefined {
  const dsn = raw.sentry_url;
  if (dsn === undefined) return undefined;
  if (parseDsn(dsn.value) === undefined)
    fail(dsn.from, 'expected a Sentry DSN such as https://<key>@o1.ingest.sentry.io/<project>');
  return dsn.value;
}

function buildHomeAssistant(raw: Raw): BridgeConfig['homeAssistant'] {
  const energyDashboard = raw.energy_dashboard?.value === 'true';
  if (raw.ha_url === undefined && raw.ha_token === undefined) {
    if (energyDashboard)
      fail(
        raw.energy_dashboard ?? 'energy_dashboard',
        'needs the Home Assistant API: --ha-url and --ha-token (set automatically in the add-on)',
      );
    return undefined;
  }
  if (raw.ha_url === undefined || raw.ha_token === undefined)
    fail(raw.ha_url ?? raw.ha_token ?? 'ha_url', 'give both --ha-url and --ha-token');
  const url = raw.ha_url.value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(url))
    fail(raw.ha_url, `expected http://host:8123 or https://…, got "${url}"`);
  return { url, token: raw.ha_token.value, energyDashboard, stateDir: raw.state_dir?.value ?? '.' };
}

function buildSource(raw: Raw): SourceConfig {
  if (raw.replay !== undefined) {
    return {
      kind: 'replay',
      file: raw.replay.value,
      pace: check(raw.replay_pace, z.enum(['original', 'fast']), 'original', 'expected original or fast'),
      intervalMs:
        1000 *
        check(raw.replay_interval, z.coerce.number().min(0).max(3600), 5, 'expected seconds from 0 to 3600'),
      keepRunning: raw.replay_keep_running !== undefined,
    };
  }
  const device = raw.device?.value ?? '/dev/ttyUSB0';
  if (device.startsWith('tcp://')) {
    const match = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(device);
    if (match === null) fail(raw.device ?? 'device', `expected tcp://host:port, got "${device}"`);
    const port = Number(match[2]);
    if (!(port >= 1 && port <= 65535))
      fail(raw.device ?? 'device', `port must be 1-65535, got "${match[2]}"`);
    return { kind: 'tcp', host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
  }
  return {
    kind: 'serial',
    device,
    deviceDefaulted: raw.device === undefined,
    baudRate: check(raw.baud_rate, integer(300, 921_600), 2400, 'expected a baud rate such as 2400'),
    parity: check(
      raw.parity,
      z.enum(['none', 'even', 'odd']),
      'even',
      'expected none, even or odd (the meters use even: 8E1)',
    ),
    dataBits: check(
      raw.data_bits,
      z.union([z.literal('7'), z.literal('8')]).transform(Number),
      8,
      'expected 7 or 8',
    ) as 7 | 8,
    stopBits: check(
      raw.stop_bits,
      z.union([z.literal('1'), z.literal('2')]).transform(Number),
      1,
      'expected 1 or 2',
    ) as 1 | 2,
  };
}

function mqttUrl(raw: Raw): string {
  const port = (fallback: number): number =>
    check(raw.mqtt_port, integer(1, 65535), fallback, 'expected a port number 1-65535');
  if (raw.mqtt_url !== undefined) {
    const url = raw.mqtt_url.value;
    if (!/^mqtts?:\/\/[^/\s]+/.test(url))
      fail(
        raw.mqtt_url,
        `expected mqtt://host:port or mqtts://host:port, got "${url.replace(/\/\/[^@/]*@/, '//…@')}"`,
      );
    return url;
  }
  if (raw.mqtt_host !== undefined) {
    const host = raw.mqtt_host.value;
    const scheme = /^([a-z]+):\/\//.exec(host)?.[1];
    if (scheme !== undefined && scheme !== 'mqtt' && scheme !== 'mqtts')
      fail(raw.mqtt_host, `expected a host name or an mqtt:// / mqtts:// URL, got "${host}"`);
    if (scheme !== undefined && /:\d+\/?$/.test(host)) return host;
    const bare = host.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
    const secure = scheme === 'mqtts';
    return `${secure ? 'mqtts' : 'mqtt'}://${bare}:${port(secure ? 8883 : 1883)}`;
  }
  return `mqtt://localhost:${port(1883)}`;
}
