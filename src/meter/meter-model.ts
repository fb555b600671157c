import { toHex } from '../bytes/hex.js';
import { formatCosemDateTime, parseCosemDateTime } from '../cosem/date-time.js';
import { formatObis, looksLikeObis } from '../cosem/obis.js';
import { UNIT_NONE, unitSymbol } from '../cosem/units.js';
import type { DlmsValue } from '../dlms/axdr.js';
import { MeterError } from '../errors.js';
import { BASE_UNIT, UNIT_CONVERSIONS, VALUE_KEY_BY_OBIS, VALUE_KEYS, type ValueKey } from './value-keys.js';

/**
 * From the generic A-XDR tree of a data-notification to a meter reading.
 *
 * Operators differ in layout, not in meaning, so the walk knows no offsets. It recognises, anywhere in
 * the tree and in any mix:
 *   - OBIS octet-string, value, and optionally a {scaler, unit} structure after it, flat (EVN) or as the
 *     items of one structure (KSM-West `{OBIS, value, {scaler, unit}}`);
 *   - a 12-byte octet-string that is a valid COSEM date-time with no OBIS before it (EVN's leading
 *     timestamp);
 *   - a printable string with no OBIS before it (EVN's trailing meter number).
 */

export type ObisReading = {
  /** After the scaler, in the meter's own unit; text for strings and ISO 8601 for the clock. */
  readonly value: number | string;
  readonly unit?: string;
};

export type TelegramValues = Partial<Record<ValueKey, number | string>>;

export type Telegram = {
  readonly meterId: string | undefined;
  readonly systemTitle: string | undefined;
  readonly frameCounter: number | undefined;
  readonly invokeId: number;
  readonly time: string | undefined;
  /**
   * The meter's time of the energy totals in `values`, when the guard published them: they come from the
   * telegram before, which this one confirmed (reading-guard.ts). Absent straight from the decoder.
   */
  readonly totalsTime?: string | undefined;
  readonly values: TelegramValues;
  readonly obis: Readonly<Record<string, ObisReading>>;
  /** A fingerprint of the push's layout, the same for every push of one meter (structureOf). */
  readonly structure?: number;
};

export type NotificationContext = {
  readonly systemTitle: Uint8Array | undefined;
  readonly frameCounter: number | undefined;
  readonly longInvokeIdAndPriority: number;
  readonly dateTime: Uint8Array | undefined;
};

type Register = { obis: string; value: DlmsValue; scaler: number; unit: number | undefined };

type Walk = {
  registers: Register[];
  clock: string | undefined;
  unlabelledStrings: string[];
};

const CLOCK_OBIS = '0-0:1.0.0.255';
const METER_NUMBER_OBIS = '0-0:96.1.0.255';
const INVOKE_ID_MASK = 0x00ffffff;
const latin1 = new TextDecoder('latin1');

export function buildTelegram(context: NotificationContext, body: DlmsValue): Telegram {
  const walk: Walk = { registers: [], clock: undefined, unlabelledStrings: [] };
  if (body.type === 'structure' || body.type === 'array') walkItems(body.items, walk);
  if (walk.registers.length === 0) {
    throw new MeterError(
      'UNSUPPORTED',
      "the telegram decrypted and decoded, but its push list carries no OBIS codes (a positional layout such as Wiener Netze's is not supported yet)",
    );
  }

  const obis: Record<string, ObisReading> = {};
  const values: TelegramValues = {};
  for (const register of walk.registers) {
    const reading = readRegister(register);
    if (reading === undefined) continue;
    obis[register.obis] = reading.obis;
    const spec = VALUE_KEY_BY_OBIS.get(register.obis);
    if (spec === undefined) continue;
    const published = publishedValue(spec.unit, spec.kind, register, reading);
    if (published !== undefined) values[spec.key] = published;
  }
  const trailingNumber = walk.unlabelledStrings.at(-1);
  if (obis[METER_NUMBER_OBIS] === undefined && trailingNumber !== undefined) {
    obis[METER_NUMBER_OBIS] = { value: trailingNumber };
    values.meter_id = trailingNumber;
  }
  setNetPower(values);

  const headerTime = context.dateTime === undefined ? undefined : parseCosemDateTime(context.dateTime);
  const time = (headerTime && formatCosemDateTime(headerTime)) ?? walk.clock ?? clockFromRegisters(obis);
  if (obis[CLOCK_OBIS] === undefined && walk.clock !== undefined) {
    obis[CLOCK_OBIS] = { value: walk.clock };
  }
  const meterId = values.meter_id;
  return {
    meterId: typeof meterId === 'string' ? meterId : undefined,
    systemTitle: context.systemTitle === undefined ? undefined : toHex(context.systemTitle),
    frameCounter: context.frameCounter,
    invokeId: context.longInvokeIdAndPriority & INVOKE_ID_MASK,
    time,
    values: orderValues(values),
    obis,
    structure: structureOf(walk),
  };
}

/**
 * FNV-1a over what a meter keeps the same from one push to the next: its registers' OBIS codes, scalers,
 * units and value types (with string lengths), its unlabelled strings' lengths and whether it sent a clock.
 * Line noise that changes any of these changes the number; a damaged value does not (reading-guard.ts).
 */
function structureOf(walk: Walk): number {
  let hash = 0x811c9dc5;
  const mix = (n: number): void => {
    hash = Math.imul(hash ^ (n & 0xff), 0x01000193);
  };
  for (const register of walk.registers) {
    for (let i = 0; i < register.obis.length; i++) mix(register.obis.charCodeAt(i));
    mix(register.scaler);
    mix(register.unit ?? 0xff);
    const value = register.value;
    mix(value.type.charCodeAt(0));
    if ('tag' in value) mix(value.tag);
    if ('bytes' in value) mix(value.bytes.length);
    if ('text' in value) mix(value.text.length);
  }
  for (const text of walk.unlabelledStrings) mix(text.length);
  mix(walk.clock === undefined ? 0 : 1);
  return hash >>> 0;
}

/** `power`, the net power power_in − power_out, when both are there; otherwise no `power` at all. */
export function setNetPower(values: TelegramValues): void {
  const powerIn = values.power_in;
  const powerOut = values.power_out;
  if (typeof powerIn === 'number' && typeof powerOut === 'number') {
    // Rounded so that 0.3 − 0.1 does not publish as 0.19999999999999998.
    values.power = Math.round((powerIn - powerOut) * 1e6) / 1e6;
  } else {
    delete values.power;
  }
}

function clockFromRegisters(obis: Record<string, ObisReading>): string | undefined {
  const clock = obis[CLOCK_OBIS]?.value;
  return typeof clock === 'string' ? clock : undefined;
}

function orderValues(values: TelegramValues): TelegramValues {
  const ordered: TelegramValues = {};
  for (const spec of VALUE_KEYS) {
    const value = values[spec.key];
    if (value !== undefined) ordered[spec.key] = value;
  }
  return ordered;
}

function isScalar(value: DlmsValue | undefined): value is DlmsValue {
  return value !== undefined && value.type !== 'structure' && value.type !== 'array' && value.type !== 'null';
}

function scalerUnit(value: DlmsValue | undefined): { scaler: number; unit: number } | undefined {
  if (value === undefined || value.type !== 'structure' || value.items.length !== 2) return undefined;
  const [scaler, unit] = value.items;
  if (scaler?.type !== 'integer' || unit?.type !== 'enum') return undefined;
  return { scaler: scaler.value, unit: unit.value };
}

function walkItems(items: readonly DlmsValue[], walk: Walk): void {
  // Bounded by the items' count, which the A-XDR decoder bounded by the input length.
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as DlmsValue;
    if (item.type === 'structure' || item.type === 'array') {
      walkItems(item.items, walk);
      continue;
    }
    if (item.type !== 'octet-string') continue;
    const next = items[i + 1];
    if (
      looksLikeObis(item.bytes) &&
      isScalar(next) &&
      !(next.type === 'octet-string' && looksLikeObis(next.bytes))
    ) {
      const su = scalerUnit(items[i + 2]);
      walk.registers.push({
        obis: formatObis(item.bytes),
        value: next,
        scaler: su?.scaler ?? 0,
        unit: su?.unit,
      });
      i += su === undefined ? 1 : 2;
      continue;
    }
    const dateTime = parseCosemDateTime(item.bytes);
    const iso = dateTime && formatCosemDateTime(dateTime);
    if (iso !== undefined) {
      walk.clock ??= iso;
      continue;
    }
    const text = printable(item.bytes);
    if (text !== undefined) walk.unlabelledStrings.push(text);
  }
}

function printable(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return undefined;
  return latin1.decode(bytes).trim();
}

/** 10^exponent applied so that 2330 × 10^−1 is 233, not 233.00000000000003. */
export function scale(raw: number, exponent: number): number {
  return exponent >= 0 ? raw * 10 ** exponent : raw / 10 ** -exponent;
}

type RegisterReading = { obis: ObisReading; numeric: number | undefined; unit: string | undefined };

function readRegister(register: Register): RegisterReading | undefined {
  const value = register.value;
  const unit =
    register.unit === undefined || register.unit === UNIT_NONE ? undefined : unitSymbol(register.unit);
  const withUnit = (v: number | string): ObisReading =>
    unit === undefined ? { value: v } : { value: v, unit };
  switch (value.type) {
    case 'integer':
    case 'float':
    case 'bcd': {
      const numeric = scale(value.value, register.scaler);
      // A float register can hold NaN or ±Infinity, and a huge scaler overflows: no meter measures that.
      if (!Number.isFinite(numeric)) return undefined;
      return { obis: withUnit(numeric), numeric, unit };
    }
    case 'enum':
      return { obis: { value: value.value }, numeric: undefined, unit: undefined };
    case 'boolean':
      return { obis: { value: value.value ? 1 : 0 }, numeric: undefined, unit: undefined };
    case 'visible-string':
    case 'utf8-string':
      return { obis: { value: value.text.trim() }, numeric: undefined, unit: undefined };
    case 'octet-string':
    case 'date-time': {
      const dateTime = value.bytes.length === 12 ? parseCosemDateTime(value.bytes) : undefined;
      const iso = dateTime && formatCosemDateTime(dateTime);
      if (iso !== undefined) return { obis: { value: iso }, numeric: undefined, unit: undefined };
      const text = value.type === 'octet-string' ? printable(value.bytes) : undefined;
      return { obis: { value: text ?? toHex(value.bytes) }, numeric: undefined, unit: undefined };
    }
    default:
      return undefined;
  }
}

function publishedValue(
  publishedUnit: string | undefined,
  kind: 'number' | 'text',
  register: Register,
  reading: RegisterReading,
): number | string | undefined {
  if (kind === 'text') return typeof reading.obis.value === 'string' ? reading.obis.value : undefined;
  const raw = register.value;
  if (
    reading.numeric === undefined ||
    !(raw.type === 'integer' || raw.type === 'float' || raw.type === 'bcd')
  ) {
    return undefined;
  }
  if (publishedUnit === undefined) return reading.numeric;
  const meterUnit = reading.unit ?? (register.unit === undefined ? BASE_UNIT[publishedUnit] : undefined);
  const exponent = meterUnit === undefined ? undefined : UNIT_CONVERSIONS[publishedUnit]?.[meterUnit];
  if (exponent === undefined) return undefined;
  const published = scale(raw.value, register.scaler + exponent);
  return Number.isFinite(published) ? published : undefined;
}
