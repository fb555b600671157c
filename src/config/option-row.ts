import * as z from 'zod/mini';
import type { BridgeConfig } from './config.js';

/** The shape of a row of the options table (options.ts), and what its rows share. */

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
  readonly schema?: z.ZodMiniType<T>;
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
export function option<T = string>(row: Defaulted<T>): Defaulted<T>;
export function option<T = string>(row: OptionRow<T>): OptionRow<T>;
export function option<T>(row: OptionRow<T>): OptionRow<T> {
  return row;
}

export const integer = (min: number, max: number): z.ZodMiniType<number> =>
  z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
