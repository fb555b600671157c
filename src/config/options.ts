import type { OptionRow } from './option-row.js';
import { METER_OPTIONS } from './options-meter.js';
import { MQTT_OPTIONS } from './options-mqtt.js';
import { SERVICE_OPTIONS } from './options-services.js';

/**
 * Every option of `run` and the add-on, one row each, and the only place its names, default and help are
 * written: flags (ours, and the Python smartmeter-ha's it replaces), environment variable, key in an options
 * file (`--options FILE`, the add-on's /data/options.json), the add-on's option type as config.yaml declares
 * it, validation, default, help text, whether it is a secret, and its piece of the safe-to-log summary.
 * raw-input.ts reads flags, variables and options files by these rows, usage.ts writes `run --help` from
 * them, load.ts validates by them and combines the values into a BridgeConfig, and the add-on files' test
 * holds config.yaml and its translations to them.
 *
 * The rows are kept in three files by subject; their order here is the order of `run --help`, of the log's
 * summary and of the did-you-mean list.
 */

export const OPTIONS = { ...METER_OPTIONS, ...MQTT_OPTIONS, ...SERVICE_OPTIONS };

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
