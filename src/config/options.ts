import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { keyHint } from '../key.js';
import { LOG_LEVELS } from '../log.js';
import { DEFAULT_TOPIC_PREFIX } from '../mqtt/topics.js';
import type { BridgeConfig, SourceConfig } from './config.js';

/**
 * Every option of `run` and the add-on, one row each, and the only place its names, default and help are
 * written: flags (ours, and the Python smartmeter-ha's it replaces), environment variable, key in an options
 * file (`--options FILE`, the add-on's /data/options.json), the add-on's option type as config.yaml declares
 * it, validation, default, help text, whether it is a secret, and its piece of the safe-to-log summary.
 * raw-input.ts reads flags, variables and options files by these rows, usage.ts writes `run --help` from
 * them, load.ts validates by them and combines the values into a BridgeConfig, and the add-on files' test
 * holds config.yaml and its translations to them.
 */

export type OptionRow<T> = {
  /** Where `run --help` lists it (USAGE_GROUPS). */
  readonly group: keyof typeof USAGE_GROUPS;
  /** Its line in `run --help`; {flag}, {env} and {default} stand for this row's own. */
  readonly help: string;
  /** What the value is, in `run --help`: HEX, PATH, S. */
  readonly arg?: string;
  /** Our flags, without the dashes; --help leads with the first. */
  readonly flags?: readonly string[];
  /** A flag that takes no value and sets the option to `sets` (`--no-discovery` sets discovery to false). */
  readonly switch?: { readonly flag: string; readonly sets: string };
  /** The Python project's flag, and whether `env` is its variable as well. */
  readonly python?: { readonly flag?: string; readonly env?: true };
  /** The value of the (Python) flag when it stands alone, as argparse allowed for `--log_console`. */
  readonly bare?: string;
  readonly env?: string;
  /** Its key in an options file. */
  readonly option?: string;
  /** config.yaml's schema type, when the add-on offers the option; without `?` it is required there. */
  readonly addon?: string;
  /** Never in a message or the log: a problem with it does not repeat the value. */
  readonly secret?: true;
  /** Checks and converts the text given; a failure is "<option as given>: <expected>, got "<text>"". */
  readonly schema?: z.ZodType<T>;
  readonly expected?: string;
  /** The value when none is given; the schema alone decides T. */
  readonly default?: NoInfer<T> | (() => NoInfer<T>);
  /** Its part of the one-line summary that is logged at start (describeConfig). */
  readonly summary?: (config: BridgeConfig) => string | undefined;
};

export const USAGE_GROUPS = {
  meter: 'Meter',
  source: 'Source (a serial adapter, a TCP serial bridge or a capture)',
  mqtt: 'MQTT and Home Assistant discovery',
  page: 'Status page',
  homeassistant: "Home Assistant's API (the add-on sets it itself)",
  influxdb: 'InfluxDB v2 (queued on disk while it is away)',
  other: 'Errors and logging',
} as const;

type Defaulted<T> = OptionRow<T> & { readonly default: NoInfer<T> | (() => NoInfer<T>) };
function option<T = string>(row: Defaulted<T>): Defaulted<T>;
function option<T = string>(row: OptionRow<T>): OptionRow<T>;
function option<T>(row: OptionRow<T>): OptionRow<T> {
  return row;
}

/** The lowest stale timeout (and so expire_after) accepted: the meters push every 5 s, some every 10 or 15 s. */
export const MIN_STALE_TIMEOUT_S = 30;
const MAX_STALE_TIMEOUT_S = 3600;
const PARITIES = ['even', 'none', 'odd'] as const;

const integer = (min: number, max: number): z.ZodType<number> => z.coerce.number().int().min(min).max(max);
/** MQTT topic names for our prefixes: no wildcards, no NUL, no empty level at either end. */
const topic = z
  .string()
  .refine((t) => t !== '' && !/[#+]/.test(t) && !t.includes(String.fromCharCode(0)) && !/^\/|\/$/.test(t));
const TOPIC_EXPECTED = 'a topic without + or # and without a leading or trailing /';
const httpUrl = z.string().regex(/^https?:\/\/[^/\s]+/);
/** An IP address or a host name (`localhost`) for the status page to listen on. */
const listenAddress = z
  .string()
  .refine(
    (t) => isIP(t) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(t),
  );

export const OPTIONS = {
  device: option({
    group: 'source',
    arg: 'PATH',
    flags: ['device'],
    python: { flag: 'serial_port' },
    env: 'SERIAL_PORT',
    option: 'device',
    addon: 'device(subsystem=tty)',
    default: '/dev/ttyUSB0',
    help: 'without {flag} (or {env}) it reads {default} and the log says so; name the serial adapter by its /dev/serial/by-id/… path, or a TCP serial bridge (ser2net, ESP) as tcp://HOST:PORT',
    summary: (c) => `source ${describeSource(c.source)}`,
  }),
  baud_rate: option({
    group: 'source',
    arg: 'N',
    flags: ['baud'],
    option: 'baud_rate',
    schema: integer(300, 921_600),
    expected: 'expected a baud rate such as 2400',
    default: 2400,
    help: 'the serial speed',
  }),
  parity: option({
    group: 'source',
    arg: PARITIES.join('|'),
    flags: ['parity'],
    option: 'parity',
    addon: `list(${PARITIES.join('|')})?`,
    schema: z.enum(PARITIES),
    expected: 'expected none, even or odd (the meters use even: 8E1)',
    default: 'even',
    help: 'the serial parity',
  }),
  data_bits: option({
    group: 'source',
    arg: '7|8',
    flags: ['data-bits'],
    schema: z.enum(['7', '8']).transform((bits): 7 | 8 => (bits === '7' ? 7 : 8)),
    expected: 'expected 7 or 8',
    default: 8,
    help: 'data bits',
  }),
  stop_bits: option({
    group: 'source',
    arg: '1|2',
    flags: ['stop-bits'],
    schema: z.enum(['1', '2']).transform((bits): 1 | 2 => (bits === '1' ? 1 : 2)),
    expected: 'expected 1 or 2',
    default: 1,
    help: 'stop bits',
  }),
  replay: option({
    group: 'source',
    arg: 'FILE',
    flags: ['replay'],
    help: 'play a capture (raw or hex) instead; exits 0 once its last telegram is published (1 if none could be)',
  }),
  replay_pace: option({
    group: 'source',
    arg: 'original|fast',
    flags: ['replay-pace'],
    schema: z.enum(['original', 'fast']),
    expected: 'expected original or fast',
    default: 'original',
    help: 'original: one telegram every replay interval; fast: as fast as they decode',
  }),
  replay_interval: option({
    group: 'source',
    arg: 'SECONDS',
    flags: ['replay-interval'],
    schema: z.coerce.number().min(0).max(3600),
    expected: 'expected seconds from 0 to 3600',
    default: 5,
    help: 'the pace of an original-paced replay',
  }),
  replay_keep_running: option({
    group: 'source',
    switch: { flag: 'replay-keep-running', sets: 'true' },
    schema: z.string().transform(() => true),
    default: false,
    help: 'go on serving MQTT and the web page after the last telegram of the replay',
  }),
  key: option({
    group: 'meter',
    arg: 'HEX',
    flags: ['key'],
    python: { flag: 'serial_key', env: true },
    env: 'SERIAL_KEY',
    option: 'key',
    addon: 'password',
    secret: true,
    help: 'the key from your grid operator: 32 hex digits (spaces and colons are fine)',
    summary: (c) => `key ${keyHint(c.key)}${c.authKey === undefined ? '' : ' + auth key'}`,
  }),
  auth_key: option({
    group: 'meter',
    arg: 'HEX',
    flags: ['auth-key'],
    env: 'AUTH_KEY',
    option: 'auth_key',
    addon: 'password?',
    secret: true,
    help: 'the authentication key, only for meters that sign their telegrams (security 0x30)',
  }),
  mqtt_url: option({
    group: 'mqtt',
    arg: 'URL',
    flags: ['mqtt-url'],
    env: 'MQTT_URL',
    option: 'mqtt_url',
    help: 'the broker as mqtt://HOST:PORT or mqtts://HOST:PORT (TLS), instead of its host and port apart',
    // A user name and password in the URL are not shown.
    summary: (c) =>
      `mqtt ${c.mqtt.url.replace(/\/\/[^@/]*@/, '//…@')}${c.mqtt.username === undefined ? '' : ` as ${c.mqtt.username}${c.mqtt.password === undefined ? '' : ' (password ***)'}`}`,
  }),
  mqtt_host: option({
    group: 'mqtt',
    arg: 'HOST',
    python: { flag: 'mqtt_server', env: true },
    env: 'MQTT_SERVER',
    option: 'mqtt_host',
    addon: 'str?',
    default: 'localhost',
    help: "the broker's host name, or an mqtt:// or mqtts:// URL",
  }),
  mqtt_port: option({
    group: 'mqtt',
    arg: 'N',
    python: { flag: 'mqtt_port', env: true },
    env: 'MQTT_PORT',
    option: 'mqtt_port',
    addon: 'port?',
    schema: integer(1, 65535),
    expected: 'expected a port number 1-65535',
    default: 1883,
    help: "the broker's port; 8883 for an mqtts:// host",
  }),
  mqtt_user: option({
    group: 'mqtt',
    arg: 'USER',
    flags: ['mqtt-user'],
    python: { flag: 'mqtt_user', env: true },
    env: 'MQTT_USER',
    option: 'mqtt_user',
    addon: 'str?',
    help: 'the user name at the broker',
  }),
  mqtt_password: option({
    group: 'mqtt',
    arg: 'PASSWORD',
    flags: ['mqtt-password'],
    python: { flag: 'mqtt_passwd', env: true },
    env: 'MQTT_PASSWD',
    option: 'mqtt_password',
    addon: 'password?',
    secret: true,
    help: 'its password',
  }),
  mqtt_ca: option({
    group: 'mqtt',
    arg: 'FILE',
    flags: ['mqtt-ca'],
    help: "the CA certificate (PEM) of an mqtts:// broker's own certificate authority",
  }),
  mqtt_client_id: option({
    group: 'mqtt',
    arg: 'ID',
    flags: ['mqtt-client-id'],
    default: () => `smartmeter-bridge-${randomBytes(3).toString('hex')}`,
    help: 'the MQTT client id (default smartmeter-bridge- and six random hex digits)',
  }),
  topic_prefix: option({
    group: 'mqtt',
    arg: 'P',
    flags: ['topic-prefix'],
    env: 'TOPIC_PREFIX',
    option: 'topic_prefix',
    addon: 'str?',
    schema: topic,
    expected: TOPIC_EXPECTED,
    default: DEFAULT_TOPIC_PREFIX,
    help: 'state topics P/<value>; one prefix per meter on a broker',
    summary: (c) => `topics ${c.mqtt.topicPrefix}/…`,
  }),
  discovery_prefix: option({
    group: 'mqtt',
    arg: 'P',
    flags: ['discovery-prefix'],
    env: 'DISCOVERY_PREFIX',
    option: 'discovery_prefix',
    addon: 'str?',
    schema: topic,
    expected: TOPIC_EXPECTED,
    default: 'homeassistant',
    help: "Home Assistant's MQTT discovery prefix",
    summary: (c) => (c.mqtt.discovery ? `discovery ${c.mqtt.discoveryPrefix}` : 'discovery off'),
  }),
  birth_topic: option({
    group: 'mqtt',
    arg: 'TOPIC',
    flags: ['birth-topic'],
    schema: topic,
    expected: 'a topic without + or #',
    default: 'homeassistant/status',
    help: 'where Home Assistant says online when it starts, and discovery is sent again',
  }),
  discovery: option({
    group: 'mqtt',
    switch: { flag: 'no-discovery', sets: 'false' },
    schema: z.string().transform((text) => text !== 'false'),
    default: true,
    help: 'publish no Home Assistant discovery',
  }),
  stale_timeout: option({
    group: 'mqtt',
    arg: 'S',
    flags: ['stale-timeout'],
    option: 'stale_timeout',
    addon: `int(${MIN_STALE_TIMEOUT_S},${MAX_STALE_TIMEOUT_S})?`,
    // A timeout of one or two push periods would take every sensor to unavailable and back whenever a
    // telegram is a little late.
    schema: integer(MIN_STALE_TIMEOUT_S, MAX_STALE_TIMEOUT_S),
    expected: `expected whole seconds from ${MIN_STALE_TIMEOUT_S} to ${MAX_STALE_TIMEOUT_S} (less would make the sensors flap between unavailable and available)`,
    default: 30,
    help: "'offline' after S seconds without a valid telegram",
    summary: (c) => `stale after ${c.staleTimeoutS} s`,
  }),
  http_port: option({
    group: 'page',
    arg: 'N',
    flags: ['http-port'],
    schema: integer(0, 65535),
    expected: 'expected a port number 0-65535',
    help: 'serve the live web page, /status.json, /metrics and /health on port N (off unless given)',
    summary: (c) =>
      c.httpPort === undefined
        ? undefined
        : `web page on ${c.httpHost.includes(':') ? `[${c.httpHost}]` : c.httpHost}:${c.httpPort}${c.httpAllowedPeers === undefined ? '' : ` for ${c.httpAllowedPeers.join(', ')} only`}`,
  }),
  http_host: option({
    group: 'page',
    arg: 'ADDR',
    flags: ['http-host'],
    env: 'HTTP_HOST',
    schema: listenAddress,
    expected:
      'expected an address to listen on, such as 127.0.0.1 (the default), 0.0.0.0 (every IPv4 address) or ::',
    default: '127.0.0.1',
    help: 'where that page listens: {default}, so that only this machine can read it, unless given; 0.0.0.0 for every address, e.g. for Prometheus on another host',
  }),
  ha_url: option({
    group: 'homeassistant',
    arg: 'URL',
    flags: ['ha-url'],
    env: 'HA_URL',
    help: 'Home Assistant, e.g. http://homeassistant.local:8123: notifications when the meter needs attention, entity ids on the web page',
    summary: (c) =>
      c.homeAssistant === undefined
        ? undefined
        : `Home Assistant API ${c.homeAssistant.url}${c.homeAssistant.energyDashboard ? ' (Energy dashboard set-up on)' : ''}`,
  }),
  ha_token: option({
    group: 'homeassistant',
    arg: 'TOKEN',
    flags: ['ha-token'],
    env: 'HA_TOKEN',
    secret: true,
    help: 'a long-lived access token of a Home Assistant user',
  }),
  energy_dashboard: option({
    group: 'homeassistant',
    switch: { flag: 'energy-dashboard', sets: 'true' },
    option: 'energy_dashboard',
    addon: 'bool?',
    schema: z.string().transform((text) => text === 'true'),
    default: false,
    help: 'add the meter to the Energy dashboard, once',
  }),
  state_dir: option({
    group: 'homeassistant',
    arg: 'DIR',
    flags: ['state-dir'],
    default: '.',
    help: 'where the marker of that "once" is kept',
  }),
  capture: option({
    group: 'source',
    arg: 'FILE',
    flags: ['capture'],
    option: 'capture_file',
    addon: 'str?',
    help: 'also append every raw byte received to FILE',
    summary: (c) => (c.capture === undefined ? undefined : `capture ${c.capture}`),
  }),
  influx_url: option({
    group: 'influxdb',
    arg: 'URL',
    flags: ['influx-url'],
    env: 'INFLUX_URL',
    schema: httpUrl,
    expected: 'expected http://host:8086',
    help: 'write every telegram to the InfluxDB v2 at URL; it also needs the token, organisation and bucket',
    summary: (c) =>
      c.influx === undefined ? undefined : `InfluxDB ${c.influx.url} bucket ${c.influx.bucket}`,
  }),
  influx_token: option({
    group: 'influxdb',
    arg: 'TOKEN',
    flags: ['influx-token'],
    env: 'INFLUX_TOKEN',
    secret: true,
    help: 'its API token',
  }),
  influx_org: option({
    group: 'influxdb',
    arg: 'ORG',
    flags: ['influx-org'],
    env: 'INFLUX_ORGANIZATION',
    help: 'its organisation',
  }),
  influx_bucket: option({
    group: 'influxdb',
    arg: 'BUCKET',
    flags: ['influx-bucket'],
    env: 'INFLUX_BUCKET',
    help: 'its bucket',
  }),
  influx_queue_dir: option({
    group: 'influxdb',
    arg: 'DIR',
    flags: ['influx-queue-dir'],
    env: 'INFLUX_QUEUE_DIR',
    default: 'influx-queue',
    help: 'where points wait while InfluxDB is away',
  }),
  influx_queue_mb: option({
    group: 'influxdb',
    arg: 'MB',
    flags: ['influx-queue-mb'],
    schema: integer(1, 100_000),
    expected: 'expected megabytes from 1 to 100000',
    default: 100,
    help: 'at most this much of them',
  }),
  sentry_url: option({
    group: 'other',
    arg: 'DSN',
    flags: ['sentry-url', 'sentry_url'],
    env: 'SENTRY_URL',
    // The DSN holds the project's key.
    secret: true,
    help: 'report errors to Sentry',
    summary: (c) => (c.sentryUrl === undefined ? undefined : 'Sentry error reports on'),
  }),
  log_level: option({
    group: 'other',
    arg: LOG_LEVELS.join('|'),
    flags: ['log-level'],
    env: 'LOG_LEVEL',
    option: 'log_level',
    addon: `list(${LOG_LEVELS.join('|')})?`,
    schema: z.enum(LOG_LEVELS),
    expected: `expected one of ${LOG_LEVELS.join(', ')}`,
    default: 'info',
    help: 'how much the log shows',
  }),
  log_console: option({
    group: 'other',
    python: { flag: 'log_console' },
    bare: 'true',
    schema: z.string().transform((text) => !/^(|0|false|no|off)$/i.test(text.trim())),
    default: false,
    help: "also log every telegram's values",
  }),
};

export type Field = keyof typeof OPTIONS;
type RowOf<F extends Field> = (typeof OPTIONS)[F];
/** An option's validated value: its default's type when it has one, otherwise possibly undefined. */
export type Value<F extends Field> =
  RowOf<F> extends OptionRow<infer T> ? (RowOf<F> extends { default: unknown } ? T : T | undefined) : never;

/** The rows in the table's order, which is also the order of the log's summary. */
export const ROWS = Object.entries(OPTIONS) as [Field, OptionRow<unknown>][];

/** How a user names the option: `--key, SERIAL_KEY or the add-on's key option`. */
export function spellings(field: Field): string {
  const row: OptionRow<unknown> = OPTIONS[field];
  const names = [
    ...(row.flags ?? []).slice(0, 1).map((flag) => `--${flag}`),
    ...(row.env === undefined ? [] : [row.env]),
    ...(row.addon === undefined ? [] : [`the add-on's ${row.option} option`]),
  ];
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

function describeSource(source: SourceConfig): string {
  switch (source.kind) {
    case 'serial': {
      const parity = { none: 'N', even: 'E', odd: 'O' }[source.parity];
      return `serial ${source.device}${source.deviceDefaulted === true ? ' (the default: no device given)' : ''} ${source.baudRate} ${source.dataBits}${parity}${source.stopBits}`;
    }
    case 'tcp':
      return `tcp://${source.host}:${source.port}`;
    case 'replay':
      return `replay ${source.file} (${source.pace}${source.keepRunning ? ', keeps running at the end' : ''})`;
  }
}
