import type { DsmrField, DsmrTelegram } from './dsmr-telegram.js';

/**
 * A DSMR telegram in the terms of the DLMS path (src/meter/meter-model.ts), so that both end in the same
 * value keys, units and OBIS readings for the same physical value:
 *   - `obis`: every object under its six-group code (A-B:C.D.E.255), in the meter's own unit;
 *   - `values`: the value keys, in their published units (energy kWh, power W, as value-keys.ts says),
 *     converted exactly from what the meter sends (the T210-D-r sends Wh/W/varh/var, DSMR 5 kWh/kW).
 * This unit sits below src/meter, so the key names are restated here; a unit test checks them against
 * value-keys.ts. Keys marked "new" do not exist there yet.
 */

export type DsmrValueKey =
  | 'energy_in'
  | 'energy_out'
  | 'reactive_energy_in'
  | 'reactive_energy_out'
  | 'power_in'
  | 'power_out'
  | 'reactive_power_in'
  | 'reactive_power_out'
  | 'voltage_l1'
  | 'voltage_l2'
  | 'voltage_l3'
  | 'current_l1'
  | 'current_l2'
  | 'current_l3'
  | 'power_factor'
  | 'meter_id'
  | 'device_name'
  // New: the tariff registers the T210-D-r and the L+G E450 send.
  | 'energy_in_t1'
  | 'energy_in_t2'
  | 'energy_out_t1'
  | 'energy_out_t2';

export type DsmrTarget = {
  readonly key: DsmrValueKey;
  /** The published unit; undefined for the power factor and text. */
  readonly unit: string | undefined;
  readonly kind: 'number' | 'text';
};

const num = (key: DsmrValueKey, unit: string | undefined): DsmrTarget => ({ key, unit, kind: 'number' });
const text = (key: DsmrValueKey): DsmrTarget => ({ key, unit: undefined, kind: 'text' });

/** OBIS (six groups) → value key. */
export const DSMR_VALUE_KEYS: ReadonlyMap<string, DsmrTarget> = new Map([
  ['1-0:1.8.0.255', num('energy_in', 'kWh')],
  ['1-0:2.8.0.255', num('energy_out', 'kWh')],
  ['1-0:1.8.1.255', num('energy_in_t1', 'kWh')],
  ['1-0:1.8.2.255', num('energy_in_t2', 'kWh')],
  ['1-0:2.8.1.255', num('energy_out_t1', 'kWh')],
  ['1-0:2.8.2.255', num('energy_out_t2', 'kWh')],
  ['1-0:3.8.0.255', num('reactive_energy_in', 'kvarh')],
  ['1-0:4.8.0.255', num('reactive_energy_out', 'kvarh')],
  ['1-0:1.7.0.255', num('power_in', 'W')],
  ['1-0:2.7.0.255', num('power_out', 'W')],
  ['1-0:3.7.0.255', num('reactive_power_in', 'var')],
  ['1-0:4.7.0.255', num('reactive_power_out', 'var')],
  ['1-0:32.7.0.255', num('voltage_l1', 'V')],
  ['1-0:52.7.0.255', num('voltage_l2', 'V')],
  ['1-0:72.7.0.255', num('voltage_l3', 'V')],
  ['1-0:31.7.0.255', num('current_l1', 'A')],
  ['1-0:51.7.0.255', num('current_l2', 'A')],
  ['1-0:71.7.0.255', num('current_l3', 'A')],
  ['1-0:13.7.0.255', num('power_factor', undefined)],
  ['0-0:96.1.0.255', text('meter_id')],
  ['0-0:42.0.0.255', text('device_name')],
]);

/** DSMR 5's equipment identifier (the Dutch meters' 0-0:96.1.1): the meter id when 96.1.0 is absent. */
const EQUIPMENT_ID_OBIS = '0-0:96.1.1.255';
const METER_ID_OBIS = '0-0:96.1.0.255';
const CLOCK_OBIS = '0-0:1.0.0.255';

/** Power of ten from the unit a meter writes to the published one. */
const CONVERSIONS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  kWh: { Wh: -3, kWh: 0, MWh: 3 },
  kvarh: { varh: -3, kvarh: 0 },
  W: { W: 0, kW: 3 },
  var: { var: 0, kvar: 3 },
  V: { V: 0 },
  A: { A: 0 },
};

export type DsmrObisReading = { readonly value: number | string; readonly unit?: string };

export type DsmrReadings = {
  readonly identification: string;
  /** 0-0:1.0.0, ISO 8601 with offset. */
  readonly time: string | undefined;
  readonly meterId: string | undefined;
  readonly values: Readonly<Partial<Record<DsmrValueKey, number | string>>>;
  readonly obis: Readonly<Record<string, DsmrObisReading>>;
};

export function dsmrReadings(telegram: DsmrTelegram): DsmrReadings {
  const obis: Record<string, DsmrObisReading> = {};
  const values: Partial<Record<DsmrValueKey, number | string>> = {};
  for (const object of telegram.objects) {
    const code = `${object.obis}.255`;
    const field = object.fields.at(-1);
    if (field === undefined || field.text.length === 0) continue;
    const target = DSMR_VALUE_KEYS.get(code) ?? (code === EQUIPMENT_ID_OBIS ? text('meter_id') : undefined);
    if (target?.kind === 'text') {
      const value = decodeHexText(field.text.trim());
      obis[code] = { value };
      if (code === METER_ID_OBIS || values[target.key] === undefined) values[target.key] = value;
      continue;
    }
    obis[code] = reading(field);
    if (target === undefined) continue;
    const published = publishedValue(target.unit, field);
    if (published !== undefined) values[target.key] = published;
  }
  const clock = obis[CLOCK_OBIS]?.value;
  const meterId = values.meter_id;
  return {
    identification: telegram.identification,
    time: typeof clock === 'string' ? clock : undefined,
    meterId: typeof meterId === 'string' ? meterId : undefined,
    values,
    obis,
  };
}

function reading(field: DsmrField): DsmrObisReading {
  if (field.time !== undefined) return { value: field.time };
  if (field.number === undefined) return { value: field.text };
  return field.unit === undefined ? { value: field.number } : { value: field.number, unit: field.unit };
}

/**
 * In the published unit, or undefined when the meter's unit is not one that converts to it. A register
 * without a unit is published only where the key has none (the power factor): DSMR always writes the
 * unit of a physical quantity, so a missing one is a meter we do not understand, not a default.
 */
function publishedValue(unit: string | undefined, field: DsmrField): number | undefined {
  if (field.mantissa === undefined || field.exponent === undefined) return undefined;
  if (unit === undefined) return field.unit === undefined ? field.number : undefined;
  const exponent = field.unit === undefined ? undefined : CONVERSIONS[unit]?.[field.unit];
  if (exponent === undefined) return undefined;
  return scale(field.mantissa, field.exponent + exponent);
}

/** As the DLMS path scales: dividing by 10^n so that 2301 × 10^−1 is 230.1, not 230.10000000000002. */
function scale(mantissa: number, exponent: number): number {
  const value = exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
  return value === 0 ? 0 : value;
}

/**
 * DSMR sends the equipment identifier as the hex of its ASCII text (`4530303433…` for `E0043…`); some
 * meters send the text itself. Decoded only when every byte is printable, so a numeric id stays as is.
 */
export function decodeHexText(value: string): string {
  if (value.length < 8 || value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i += 2) {
    const code = Number.parseInt(value.slice(i, i + 2), 16);
    if (code < 0x20 || code > 0x7e) return value;
    out += String.fromCharCode(code);
  }
  return out.trim();
}
