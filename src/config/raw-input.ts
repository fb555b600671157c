import { parseArgs } from 'node:util';
import { didYouMean } from './did-you-mean.js';

/**
 * Where each setting was given: command-line flags (ours and the Python project's), environment variables
 * and the add-on's options file, all read into one Raw map of text values that remember their origin, so
 * that a problem found later names the option the way the user wrote it.
 */

type Field =
  | 'key'
  | 'auth_key'
  | 'device'
  | 'baud_rate'
  | 'parity'
  | 'data_bits'
  | 'stop_bits'
  | 'replay'
  | 'replay_pace'
  | 'replay_interval'
  | 'replay_keep_running'
  | 'capture'
  | 'mqtt_url'
  | 'mqtt_host'
  | 'mqtt_port'
  | 'mqtt_user'
  | 'mqtt_password'
  | 'mqtt_ca'
  | 'mqtt_client_id'
  | 'topic_prefix'
  | 'discovery_prefix'
  | 'birth_topic'
  | 'discovery'
  | 'stale_timeout'
  | 'http_port'
  | 'http_host'
  | 'ha_url'
  | 'ha_token'
  | 'energy_dashboard'
  | 'state_dir'
  | 'influx_url'
  | 'influx_token'
  | 'influx_org'
  | 'influx_bucket'
  | 'influx_queue_dir'
  | 'influx_queue_mb'
  | 'sentry_url'
  | 'log_level'
  | 'log_console';

/** A value and where it came from, for messages. */
export type Given = { value: string; from: string };
export type Raw = Partial<Record<Field, Given>>;

const FLAGS: Readonly<Record<string, Field>> = {
  key: 'key',
  serial_key: 'key',
  'auth-key': 'auth_key',
  device: 'device',
  serial_port: 'device',
  baud: 'baud_rate',
  parity: 'parity',
  'data-bits': 'data_bits',
  'stop-bits': 'stop_bits',
  replay: 'replay',
  'replay-pace': 'replay_pace',
  'replay-interval': 'replay_interval',
  capture: 'capture',
  'mqtt-url': 'mqtt_url',
  mqtt_server: 'mqtt_host',
  mqtt_port: 'mqtt_port',
  'mqtt-user': 'mqtt_user',
  mqtt_user: 'mqtt_user',
  'mqtt-password': 'mqtt_password',
  mqtt_passwd: 'mqtt_password',
  'mqtt-ca': 'mqtt_ca',
  'mqtt-client-id': 'mqtt_client_id',
  'topic-prefix': 'topic_prefix',
  'discovery-prefix': 'discovery_prefix',
  'birth-topic': 'birth_topic',
  'stale-timeout': 'stale_timeout',
  'http-port': 'http_port',
  'http-host': 'http_host',
  'ha-url': 'ha_url',
  'ha-token': 'ha_token',
  'state-dir': 'state_dir',
  'influx-url': 'influx_url',
  'influx-token': 'influx_token',
  'influx-org': 'influx_org',
  'influx-bucket': 'influx_bucket',
  'influx-queue-dir': 'influx_queue_dir',
  'influx-queue-mb': 'influx_queue_mb',
  'sentry-url': 'sentry_url',
  sentry_url: 'sentry_url',
  'log-level': 'log_level',
  log_console: 'log_console',
};

const ENV: Readonly<Record<string, Field>> = {
  SERIAL_KEY: 'key',
  AUTH_KEY: 'auth_key',
  SERIAL_PORT: 'device',
  MQTT_URL: 'mqtt_url',
  MQTT_SERVER: 'mqtt_host',
  MQTT_PORT: 'mqtt_port',
  MQTT_USER: 'mqtt_user',
  MQTT_PASSWD: 'mqtt_password',
  TOPIC_PREFIX: 'topic_prefix',
  DISCOVERY_PREFIX: 'discovery_prefix',
  LOG_LEVEL: 'log_level',
  HTTP_HOST: 'http_host',
  HA_URL: 'ha_url',
  HA_TOKEN: 'ha_token',
  INFLUX_URL: 'influx_url',
  INFLUX_TOKEN: 'influx_token',
  INFLUX_ORGANIZATION: 'influx_org',
  INFLUX_BUCKET: 'influx_bucket',
  INFLUX_QUEUE_DIR: 'influx_queue_dir',
  SENTRY_URL: 'sentry_url',
};

const OPTIONS: Readonly<Record<string, Field>> = {
  key: 'key',
  auth_key: 'auth_key',
  device: 'device',
  baud_rate: 'baud_rate',
  parity: 'parity',
  topic_prefix: 'topic_prefix',
  discovery_prefix: 'discovery_prefix',
  stale_timeout: 'stale_timeout',
  capture_file: 'capture',
  log_level: 'log_level',
  mqtt_url: 'mqtt_url',
  mqtt_host: 'mqtt_host',
  mqtt_port: 'mqtt_port',
  mqtt_user: 'mqtt_user',
  mqtt_password: 'mqtt_password',
  energy_dashboard: 'energy_dashboard',
};

export class ConfigProblem extends Error {}

export function fail(given: Given | string, problem: string): never {
  throw new ConfigProblem(`${typeof given === 'string' ? given : given.from}: ${problem}`);
}

/** `--log_console` took a value in the old argparse interface; here it may stand alone too. */
function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--log_console') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        out.push(`--log_console=${next}`);
        i++;
      } else {
        out.push('--log_console=true');
      }
    } else {
      out.push(arg);
    }
  }
  return out;
}

export function readFlags(argv: readonly string[]): { raw: Raw; options: string | undefined } {
  const stringOptions = Object.fromEntries(
    [...Object.keys(FLAGS), 'options'].map((name) => [name, { type: 'string' as const }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: normaliseArgv(argv),
      options: {
        ...stringOptions,
        'no-discovery': { type: 'boolean' },
        'energy-dashboard': { type: 'boolean' },
        'replay-keep-running': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown !== null) {
      const meant = didYouMean(unknown[1] as string, [
        ...Object.keys(FLAGS),
        'options',
        'no-discovery',
        'energy-dashboard',
        'replay-keep-running',
        'help',
      ]);
      fail(
        unknown[1] as string,
        `unknown option${meant === undefined ? '' : `; did you mean --${meant}?`} (see smartmeter-bridge run --help)`,
      );
    }
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
    if (missing !== null) fail(missing[1] as string, 'needs a value');
    fail('command line', message.replace(/\. To specify.*$/, ''));
  }
  const raw: Raw = {};
  for (const [name, field] of Object.entries(FLAGS)) {
    const value = parsed.values[name];
    if (typeof value === 'string') raw[field] = { value, from: `--${name}` };
  }
  if (parsed.values['no-discovery'] === true) raw.discovery = { value: 'false', from: '--no-discovery' };
  if (parsed.values['energy-dashboard'] === true)
    raw.energy_dashboard = { value: 'true', from: '--energy-dashboard' };
  if (parsed.values['replay-keep-running'] === true)
    raw.replay_keep_running = { value: 'true', from: '--replay-keep-running' };
  const options = parsed.values['options'];
  return { raw, options: typeof options === 'string' ? options : undefined };
}

export function readOptionsFile(path: string, read: (path: string) => string): Raw {
  let json: unknown;
  try {
    json = JSON.parse(read(path));
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? 'is not valid JSON'
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    fail(`--options ${path}`, reason);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(`--options ${path}`, 'must hold a JSON object');
  const raw: Raw = {};
  for (const [name, field] of Object.entries(OPTIONS)) {
    const value = (json as Record<string, unknown>)[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      fail(`option "${name}"`, 'must be a text or a number');
    raw[field] = { value: String(value), from: `option "${name}"` };
  }
  return raw;
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): Raw {
  const raw: Raw = {};
  for (const [name, field] of Object.entries(ENV)) {
    const value = env[name];
    // An empty variable is how compose passes an unset one from .env: not given.
    if (value !== undefined && value !== '') raw[field] = { value, from: name };
  }
  return raw;
}
