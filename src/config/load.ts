import { readFileSync } from 'node:fs';
import { isMeterError } from '../errors.js';
import { parseKey } from '../key.js';
import { parseDsn } from '../sinks/sentry.js';
import type { BridgeConfig, SourceConfig } from './config.js';
import { didYouMean } from './did-you-mean.js';
import { type GridOperatorPreset, gridOperator, OPERATOR_CHOICES } from './grid-operators.js';
import type { OptionRow } from './option-row.js';
import { type Field, OPTIONS, spellings, type Value } from './options.js';
import {
  ConfigProblem,
  fail,
  type Raw,
  readEnvironment,
  readFlags,
  readOptionsFile,
  readSupervisor,
  type SupervisorInput,
} from './raw-input.js';

/**
 * Flags, environment variables, a JSON options file (the add-on's /data/options.json) and what the Supervisor
 * hands the add-on → one validated BridgeConfig. Precedence: defaults < options file < Supervisor < environment
 * < flags. Every problem is one sentence naming the option the way the user wrote it (`--mqtt_port`,
 * `MQTT_PORT`, option `mqtt_port`), or where it came from ("from Home Assistant's MQTT service"); the key and
 * the passwords never appear in a message.
 */

export type LoadInput = {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An options file as `--options FILE` names one (the flag wins when both are given). */
  readonly optionsFile?: string;
  readonly supervisor?: SupervisorInput;
  readonly readTextFile?: (path: string) => string;
};

export type LoadResult = { ok: true; config: BridgeConfig } | { ok: false; message: string };

export function loadConfig(input: LoadInput): LoadResult {
  try {
    const flags = readFlags(input.argv);
    const read = input.readTextFile ?? ((p: string) => readFileSync(p, 'utf8'));
    const file = flags.options ?? input.optionsFile;
    const raw: Raw = {
      ...(file === undefined
        ? {}
        : readOptionsFile(file, flags.options === undefined ? file : `--options ${file}`, read)),
      ...readSupervisor(input.supervisor ?? {}),
      ...readEnvironment(input.env),
      ...flags.raw,
    };
    return { ok: true, config: build(raw) };
  } catch (error) {
    if (error instanceof ConfigProblem) return { ok: false, message: error.message };
    if (isMeterError(error)) return { ok: false, message: error.message };
    return { ok: false, message: (error as Error).message };
  }
}

/** The option's value as its row validates it, or its default; undefined when neither is there. */
function value<F extends Field>(raw: Raw, field: F): Value<F> {
  const row: OptionRow<unknown> = OPTIONS[field];
  const given = raw[field];
  if (given === undefined)
    return (typeof row.default === 'function' ? row.default() : row.default) as Value<F>;
  if (row.schema === undefined) return given.value as Value<F>;
  const result = row.schema.safeParse(given.value);
  if (!result.success)
    fail(given, row.secret === true ? `${row.expected}` : `${row.expected}, got "${given.value}"`);
  return result.data as Value<F>;
}

/** The first flag of an option, for messages that name one it needs. */
const flag = (field: Field): string => `--${(OPTIONS[field] as OptionRow<unknown>).flags?.[0]}`;

function build(raw: Raw): BridgeConfig {
  const preset = buildPreset(raw);
  if (raw.key === undefined)
    fail(
      'key',
      `missing — set ${spellings('key')} to the 32 hex digits your grid operator sent${preset === undefined ? '' : ` (${preset.name}: ${preset.keySource})`}`,
    );
  const key = parseKey(raw.key.value, raw.key.from);
  const authKey = raw.auth_key === undefined ? undefined : parseKey(raw.auth_key.value, raw.auth_key.from);
  const topicPrefix = value(raw, 'topic_prefix');
  const discoveryPrefix = value(raw, 'discovery_prefix');
  if (discoveryPrefix === topicPrefix)
    fail(raw.discovery_prefix ?? 'discovery prefix', 'must differ from the topic prefix');
  return {
    source: buildSource(raw, preset),
    key,
    authKey,
    meter: {
      operator: preset?.id,
      framing: preset?.framings[0],
      payload: preset?.payload,
      layout: preset?.layout,
      authKeyExpected: preset?.authKey ?? false,
    },
    capture: value(raw, 'capture'),
    mqtt: {
      url: mqttUrl(raw),
      username: value(raw, 'mqtt_user'),
      password: value(raw, 'mqtt_password'),
      caFile: value(raw, 'mqtt_ca'),
      clientId: value(raw, 'mqtt_client_id'),
      topicPrefix,
      discoveryPrefix,
      birthTopic: value(raw, 'birth_topic'),
      discovery: value(raw, 'discovery'),
    },
    staleTimeoutS: value(raw, 'stale_timeout'),
    homeAssistant: buildHomeAssistant(raw),
    influx: buildInflux(raw),
    sentryUrl: buildSentry(raw),
    httpPort: value(raw, 'http_port'),
    httpHost: value(raw, 'http_host'),
    // Only the add-on narrows who may ask (Home Assistant's ingress gateway); no option sets it.
    httpAllowedPeers: undefined,
    logLevel: value(raw, 'log_level'),
    logConsole: value(raw, 'log_console'),
  };
}

function buildInflux(raw: Raw): BridgeConfig['influx'] {
  const url = value(raw, 'influx_url');
  if (url === undefined) return undefined;
  const needs = ['influx_token', 'influx_org', 'influx_bucket'] as const;
  for (const field of needs)
    if (raw[field] === undefined)
      fail(raw.influx_url ?? 'influx_url', `InfluxDB also needs ${OPTIONS[field].env} / ${flag(field)}`);
  return {
    url,
    token: value(raw, 'influx_token') ?? '',
    org: value(raw, 'influx_org') ?? '',
    bucket: value(raw, 'influx_bucket') ?? '',
    queueDir: value(raw, 'influx_queue_dir'),
    maxQueueBytes: 1024 * 1024 * value(raw, 'influx_queue_mb'),
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
  const energyDashboard = value(raw, 'energy_dashboard');
  if (raw.ha_url === undefined && raw.ha_token === undefined) {
    if (energyDashboard)
      fail(
        raw.energy_dashboard ?? 'energy_dashboard',
        `needs the Home Assistant API: ${flag('ha_url')} and ${flag('ha_token')} (set automatically in the add-on)`,
      );
    return undefined;
  }
  if (raw.ha_url === undefined || raw.ha_token === undefined)
    fail(raw.ha_url ?? raw.ha_token ?? 'ha_url', `give both ${flag('ha_url')} and ${flag('ha_token')}`);
  const url = raw.ha_url.value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(url))
    fail(raw.ha_url, `expected http://host:8123 or https://…, got "${url}"`);
  return { url, token: raw.ha_token.value, energyDashboard, stateDir: value(raw, 'state_dir') };
}

/** The grid operator's preset, or undefined for auto; a mistyped id names the one probably meant. */
function buildPreset(raw: Raw): GridOperatorPreset | undefined {
  const given = raw.grid_operator;
  if (given === undefined) return undefined;
  const id = given.value.trim().toLowerCase();
  if (id === 'auto') return undefined;
  const preset = gridOperator(id);
  if (preset !== undefined) return preset;
  // A part of an id ("burgenland", "graz") is as likely a slip as a typo.
  const containing = OPERATOR_CHOICES.filter((choice) => id.length >= 3 && choice.includes(id));
  const meant = didYouMean(id, OPERATOR_CHOICES) ?? (containing.length === 1 ? containing[0] : undefined);
  return fail(
    given,
    `unknown grid operator "${given.value}"${meant === undefined ? '' : `; did you mean ${meant}?`} (expected one of ${OPERATOR_CHOICES.join(', ')})`,
  );
}

/**
 * The preset's serial parameters fill in what was not given; a --baud, --parity, --data-bits or --stop-bits
 * given anywhere (flag, variable, options file) still wins.
 */
function serialValue<F extends 'baud_rate' | 'parity' | 'data_bits' | 'stop_bits'>(
  raw: Raw,
  field: F,
  preset: GridOperatorPreset | undefined,
): Value<F> {
  if (raw[field] !== undefined || preset === undefined) return value(raw, field);
  const fromPreset = {
    baud_rate: preset.serial.baudRate,
    parity: preset.serial.parity,
    data_bits: preset.serial.dataBits,
    stop_bits: preset.serial.stopBits,
  };
  return fromPreset[field] as Value<F>;
}

function buildSource(raw: Raw, preset: GridOperatorPreset | undefined): SourceConfig {
  const replay = value(raw, 'replay');
  if (replay !== undefined) {
    return {
      kind: 'replay',
      file: replay,
      pace: value(raw, 'replay_pace'),
      intervalMs: 1000 * value(raw, 'replay_interval'),
      keepRunning: value(raw, 'replay_keep_running'),
    };
  }
  const device = value(raw, 'device');
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
    baudRate: serialValue(raw, 'baud_rate', preset),
    parity: serialValue(raw, 'parity', preset),
    dataBits: serialValue(raw, 'data_bits', preset),
    stopBits: serialValue(raw, 'stop_bits', preset),
  };
}

function mqttUrl(raw: Raw): string {
  if (raw.mqtt_url !== undefined) {
    const url = raw.mqtt_url.value;
    if (!/^mqtts?:\/\/[^/\s]+/.test(url))
      fail(
        raw.mqtt_url,
        `expected mqtt://host:port or mqtts://host:port, got "${url.replace(/\/\/[^@/]*@/, '//…@')}"`,
      );
    return url;
  }
  const host = value(raw, 'mqtt_host');
  const scheme = /^([a-z]+):\/\//.exec(host)?.[1];
  if (scheme !== undefined && scheme !== 'mqtt' && scheme !== 'mqtts')
    fail(raw.mqtt_host ?? 'mqtt_host', `expected a host name or an mqtt:// / mqtts:// URL, got "${host}"`);
  if (scheme !== undefined && /:\d+\/?$/.test(host)) return host;
  const bare = host.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
  const secure = scheme === 'mqtts';
  const port = raw.mqtt_port === undefined && secure ? 8883 : value(raw, 'mqtt_port');
  return `${secure ? 'mqtts' : 'mqtt'}://${bare}:${port}`;
}
