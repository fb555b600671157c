import { parseArgs } from 'node:util';
import { didYouMean } from './did-you-mean.js';
import { type Field, ROWS } from './options.js';

/**
 * Where each setting was given: command-line flags (ours and the Python project's), environment variables,
 * an options file and what Home Assistant's Supervisor hands the add-on, each read by the rows of the options
 * table into one Raw map of text values that remember their origin, so that a problem found later names the
 * option the way the user wrote it.
 */

/** A value and where it came from, for messages. */
export type Given = { value: string; from: string };
export type Raw = Partial<Record<Field, Given>>;

/** The flag naming an options file: the layer below the environment. */
export const OPTIONS_FLAG = 'options';

/** The Supervisor's `mqtt` service (GET /services/mqtt), as the add-on got it. */
export type SupervisorMqtt = {
  readonly host: string;
  readonly port: number;
  readonly ssl?: boolean | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
};
export type SupervisorInput = { readonly mqtt?: SupervisorMqtt | undefined };

export class ConfigProblem extends Error {}

export function fail(given: Given | string, problem: string): never {
  throw new ConfigProblem(`${typeof given === 'string' ? given : given.from}: ${problem}`);
}

/** Every flag by the field it sets, in the table's order: ours, then the Python project's. */
const VALUE_FLAGS: readonly [string, Field][] = ROWS.flatMap(([field, row]) =>
  [...(row.flags ?? []), ...(row.python?.flag === undefined ? [] : [row.python.flag])].map(
    (flag): [string, Field] => [flag, field],
  ),
);
const SWITCHES = ROWS.flatMap(([field, row]) => (row.switch === undefined ? [] : [{ field, ...row.switch }]));
const BARE = new Map(
  ROWS.flatMap(([, row]) =>
    row.bare === undefined || row.python?.flag === undefined ? [] : [[`--${row.python.flag}`, row.bare]],
  ),
);

/** Every flag `run` takes, for the did-you-mean of a mistyped one. */
export const KNOWN_FLAGS: readonly string[] = [
  ...VALUE_FLAGS.map(([flag]) => flag),
  OPTIONS_FLAG,
  ...SWITCHES.map((s) => s.flag),
  'help',
];

/** A flag that may stand alone (`--log_console`) gets its value spelled out for parseArgs. */
function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const bare = BARE.get(arg);
    if (bare === undefined) {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(`${arg}=${bare}`);
    }
  }
  return out;
}

export function readFlags(argv: readonly string[]): { raw: Raw; options: string | undefined } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: normaliseArgv(argv),
      options: Object.fromEntries([
        ...[...VALUE_FLAGS.map(([flag]) => flag), OPTIONS_FLAG].map((f) => [f, { type: 'string' as const }]),
        ...SWITCHES.map((s) => [s.flag, { type: 'boolean' as const }]),
      ]),
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown !== null) {
      const meant = didYouMean(unknown[1] as string, KNOWN_FLAGS);
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
  for (const [flag, field] of VALUE_FLAGS) {
    const value = parsed.values[flag];
    if (typeof value === 'string') raw[field] = { value, from: `--${flag}` };
  }
  for (const s of SWITCHES)
    if (parsed.values[s.flag] === true) raw[s.field] = { value: s.sets, from: `--${s.flag}` };
  const options = parsed.values[OPTIONS_FLAG];
  return { raw, options: typeof options === 'string' ? options : undefined };
}

/** A JSON options file; `named` is how messages name the file (`--options FILE`, or the add-on's path). */
export function readOptionsFile(path: string, named: string, read: (path: string) => string): Raw {
  let json: unknown;
  try {
    json = JSON.parse(read(path));
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? 'is not valid JSON'
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    fail(named, reason);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(named, 'must hold a JSON object');
  const raw: Raw = {};
  for (const [field, row] of ROWS) {
    if (row.option === undefined) continue;
    const value = (json as Record<string, unknown>)[row.option];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      fail(`option "${row.option}"`, 'must be a text or a number');
    raw[field] = { value: String(value), from: `option "${row.option}"` };
  }
  return raw;
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): Raw {
  const raw: Raw = {};
  for (const [field, row] of ROWS) {
    const value = row.env === undefined ? undefined : env[row.env];
    // An empty variable is how compose passes an unset one from .env: not given.
    if (row.env !== undefined && value !== undefined && value !== '') raw[field] = { value, from: row.env };
  }
  return raw;
}

/** The broker the Supervisor names, with the user and password the Mosquitto add-on made for this add-on. */
export function readSupervisor(supervisor: SupervisorInput): Raw {
  const mqtt = supervisor.mqtt;
  if (mqtt === undefined) return {};
  const from = (what: string): string => `the ${what} from Home Assistant's MQTT service`;
  return {
    mqtt_url: {
      value: `${mqtt.ssl === true ? 'mqtts' : 'mqtt'}://${mqtt.host}:${mqtt.port}`,
      from: from('broker'),
    },
    ...(mqtt.username === undefined ? {} : { mqtt_user: { value: mqtt.username, from: from('user') } }),
    ...(mqtt.password === undefined
      ? {}
      : { mqtt_password: { value: mqtt.password, from: from('password') } }),
  };
}
