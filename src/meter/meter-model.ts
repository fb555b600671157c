import { toHex } from '../bytes/hex.js';
import { cosemDateTimeText } from '../cosem/date-time.js';
import { looksLikeObis } from '../cosem/obis.js';
import { UNIT_NONE, unitSymbol } from '../cosem/units.js';
import type { DlmsValue } from '../dlms/axdr.js';
import { MeterError } from '../errors.js';
import { FINGERPRINT_START, finishFingerprint, mixRegister } from './layout-fingerprint.js';
import { type ObisCode, obisCode } from './obis-codes.js';
import {
  describedRegisters,
  describedValues,
  objectDescriptor,
  objectDescriptorList,
} from './object-descriptors.js';
import { type PositionalHint, positionalRegisters } from './positional-layouts.js';
import { BASE_UNIT, UNIT_CONVERSIONS, VALUE_KEYS, type ValueKey, type ValueKeySpec } from './value-keys.js';

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
  /** A fingerprint of the push's layout, the same for every push of one meter (layout-fingerprint.ts). */
  readonly structure?: number;
  /** The meter signed it, and the signature was not checked: no authentication key (dlms/decrypt.ts). */
  readonly tagUnchecked?: true;
};

export type NotificationContext = {
  readonly systemTitle: Uint8Array | undefined;
  readonly frameCounter: number | undefined;
  readonly longInvokeIdAndPriority: number;
  readonly dateTime: Uint8Array | undefined;
};

const CLOCK_OBIS = '0-0:1.0.0.255';
const METER_NUMBER_OBIS = '0-0:96.1.0.255';
const INVOKE_ID_MASK = 0x00ffffff;
const latin1 = new TextDecoder('latin1');
const SLOT_COUNT = VALUE_KEYS.length;
const slotOf = (key: ValueKey): number => VALUE_KEYS.findIndex((spec) => spec.key === key);
const METER_ID_SLOT = slotOf('meter_id');
const POWER_SLOT = slotOf('power');
const POWER_IN_SLOT = slotOf('power_in');
const POWER_OUT_SLOT = slotOf('power_out');

/** What the walk over one push list collects; registers are read as they are found. */
class Walk {
  registers = 0;
  /** The layout fingerprint of the registers so far. */
  hash = FINGERPRINT_START;
  clock: string | undefined = undefined;
  /** Lengths of the unlabelled strings, for the fingerprint; the last one is the meter number. */
  readonly stringLengths: number[] = [];
  lastString: string | undefined = undefined;
  readonly obis: Record<string, ObisReading> = {};
  /** Published values by their place in VALUE_KEYS, so that they come out in publishing order. */
  readonly slots: (number | string | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
}

/** `hint`: the operator's positional layout family, for a push list without OBIS codes (positional-layouts.ts). */
export function buildTelegram(
  context: NotificationContext,
  body: DlmsValue,
  hint?: PositionalHint,
): Telegram {
  const walk = new Walk();
  if (body.type === 'structure' || body.type === 'array') walkItems(body.items, walk);
  if (walk.registers === 0) {
    const positional = positionalRegisters(body, hint);
    if (positional === undefined) {
      throw new MeterError(
        'UNSUPPORTED',
        'the telegram decrypted and decoded, but its push list carries no OBIS codes and has none of the positional layouts known (Wiener Netze AM550/E450, Siemens IM350, Netz Burgenland E450)',
      );
    }
    for (const r of positional) addRegister(walk, obisCode(r.obis), r.value, r.scaler, r.unit);
  }

  const { obis, slots } = walk;
  const trailingNumber = walk.lastString;
  if (obis[METER_NUMBER_OBIS] === undefined && trailingNumber !== undefined) {
    obis[METER_NUMBER_OBIS] = { value: trailingNumber };
    slots[METER_ID_SLOT] = trailingNumber;
  }
  slots[POWER_SLOT] = netPower(slots[POWER_IN_SLOT], slots[POWER_OUT_SLOT]);

  const headerTime = context.dateTime === undefined ? undefined : cosemDateTimeText(context.dateTime);
  const time = headerTime ?? walk.clock ?? clockFromRegisters(obis);
  if (obis[CLOCK_OBIS] === undefined && walk.clock !== undefined) {
    obis[CLOCK_OBIS] = { value: walk.clock };
  }
  const meterId = slots[METER_ID_SLOT];
  return {
    meterId: typeof meterId === 'string' ? meterId : undefined,
    systemTitle: context.systemTitle === undefined ? undefined : systemTitleHex(context.systemTitle),
    frameCounter: context.frameCounter,
    invokeId: context.longInvokeIdAndPriority & INVOKE_ID_MASK,
    time,
    values: orderedValues(slots),
    obis,
    structure: finishFingerprint(walk.hash, walk.stringLengths, walk.clock !== undefined),
  };
}

let lastTitle: Uint8Array | undefined;
let lastTitleHex = '';

/** A meter sends the same system title every time: its hex text is kept from the telegram before. */
function systemTitleHex(title: Uint8Array): string {
  const last = lastTitle;
  if (last !== undefined && last.length === title.length) {
    let same = true;
    for (let i = 0; i < title.length; i++) {
      if (last[i] !== title[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastTitleHex;
  }
  lastTitle = Uint8Array.from(title);
  lastTitleHex = toHex(title);
  return lastTitleHex;
}

function orderedValues(slots: readonly (number | string | undefined)[]): TelegramValues {
  const ordered: TelegramValues = {};
  for (let i = 0; i < SLOT_COUNT; i++) {
    const value = slots[i];
    if (value !== undefined) ordered[(VALUE_KEYS[i] as ValueKeySpec).key] = value;
  }
  return ordered;
}

/** `power`, the net power power_in − power_out, when both are there; otherwise no `power` at all. */
export function setNetPower(values: TelegramValues): void {
  const power = netPower(values.power_in, values.power_out);
  if (power === undefined) delete values.power;
  else values.power = power;
}

export function netPower(
  powerIn: number | string | undefined,
  powerOut: number | string | undefined,
): number | undefined {
  if (typeof powerIn !== 'number' || typeof powerOut !== 'number') return undefined;
  // Rounded so that 0.3 − 0.1 does not publish as 0.19999999999999998.
  return Math.round((powerIn - powerOut) * 1e6) / 1e6;
}

function clockFromRegisters(obis: Record<string, ObisReading>): string | undefined {
  const clock = obis[CLOCK_OBIS]?.value;
  return typeof clock === 'string' ? clock : undefined;
}

function isScalar(value: DlmsValue | undefined): value is DlmsValue {
  return value !== undefined && value.type !== 'structure' && value.type !== 'array' && value.type !== 'null';
}

function walkItems(items: readonly DlmsValue[], walk: Walk): void {
  // Bounded by the items' count, which the A-XDR decoder bounded by the input length.
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as DlmsValue;
    if (item.type === 'structure' || item.type === 'array') {
      const descriptors = objectDescriptorList(item);
      if (descriptors !== undefined) {
        const { values, consumed } = describedValues(items, i, descriptors.length);
        for (const r of describedRegisters(descriptors, values))
          addRegister(walk, obisCode(r.logicalName), r.value, r.scaler, r.unit);
        i += consumed;
        continue;
      }
      // A lone descriptor names a value and is not one (object-descriptors.ts).
      if (objectDescriptor(item) === undefined) walkItems(item.items, walk);
      continue;
    }
    if (item.type !== 'octet-string') continue;
    const next = items[i + 1];
    if (
      looksLikeObis(item.bytes) &&
      isScalar(next) &&
      !(next.type === 'octet-string' && looksLikeObis(next.bytes))
    ) {
      // {scaler, unit} after the value, when it is there.
      const su = items[i + 2];
      let scaler = 0;
      let unit: number | undefined;
      if (su !== undefined && su.type === 'structure' && su.items.length === 2) {
        const s = su.items[0];
        const u = su.items[1];
        if (s?.type === 'integer' && u?.type === 'enum') {
          scaler = s.value;
          unit = u.value;
        }
      }
      addRegister(walk, obisCode(item.bytes), next, scaler, unit);
      i += unit === undefined ? 1 : 2;
      continue;
    }
    const iso = cosemDateTimeText(item.bytes);
    if (iso !== undefined) {
      walk.clock ??= iso;
      continue;
    }
    const text = printable(item.bytes);
    if (text !== undefined) {
      walk.stringLengths.push(text.length);
      walk.lastString = text;
    } else if (item.bytes.length > 0 && !looksLikeObis(item.bytes)) {
      // No meter labels a value this way: an unlabelled string is its clock or its text (meter number). Noise
      // that the checksum missed can leave one neither; ignoring it would let two such telegrams agree on a
      // meter without a number, and that false identity would then hold back the true one.
      throw new MeterError(
        'AXDR_INVALID',
        'the telegram was damaged on the way: an unlabelled octet-string in its push list is neither a date-time nor text',
      );
    }
  }
}

function printable(bytes: Uint8Array): string | undefined {
  const length = bytes.length;
  if (length === 0) return undefined;
  let hash = length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte > 0x7e) return undefined;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  if (length > MAX_KEPT_TEXT) return latin1.decode(bytes).trim();
  const slot = hash >>> (32 - TEXT_SLOTS_BITS);
  const kept = keptTexts[slot];
  if (kept !== undefined && sameBytes(kept.bytes, bytes)) return kept.text;
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[i] as number);
  text = text.trim();
  keptTexts[slot] = { bytes: Uint8Array.from(bytes), text };
  return text;
}

/**
 * The meter number and device name come in every telegram: their text is kept, by their bytes, in a
 * direct-mapped table (a text evicts the one in its slot), so it is bounded whatever line noise sends.
 */
const TEXT_SLOTS_BITS = 6;
const MAX_KEPT_TEXT = 64;
const keptTexts: ({ readonly bytes: Uint8Array; readonly text: string } | undefined)[] = new Array(
  1 << TEXT_SLOTS_BITS,
).fill(undefined);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 10 ** n for the exponents meters use, computed once: Math.pow was a noticeable part of every register. */
const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, n) => 10 ** n);

function powerOfTen(n: number): number {
  return n < POWERS_OF_TEN.length ? (POWERS_OF_TEN[n] as number) : 10 ** n;
}

/** 10^exponent applied so that 2330 × 10^−1 is 233, not 233.00000000000003. */
export function scale(raw: number, exponent: number): number {
  return exponent >= 0 ? raw * powerOfTen(exponent) : raw / powerOfTen(-exponent);
}

function addRegister(
  walk: Walk,
  code: ObisCode,
  value: DlmsValue,
  scaler: number,
  unit: number | undefined,
): void {
  walk.registers++;
  walk.hash = mixRegister(walk.hash, code.chars, value, scaler, unit ?? 0xff);
  const unitText = unit === undefined || unit === UNIT_NONE ? undefined : unitSymbol(unit);
  let reading: ObisReading;
  let numeric: number | undefined;
  switch (value.type) {
    case 'integer':
    case 'float':
    case 'bcd': {
      numeric = scale(value.value, scaler);
      // A float register can hold NaN or ±Infinity, and a huge scaler overflows: no meter measures that.
      if (!Number.isFinite(numeric)) return;
      reading = unitText === undefined ? { value: numeric } : { value: numeric, unit: unitText };
      break;
    }
    case 'enum':
      reading = { value: value.value };
      break;
    case 'boolean':
      reading = { value: value.value ? 1 : 0 };
      break;
    case 'visible-string':
    case 'utf8-string':
      reading = { value: value.text.trim() };
      break;
    case 'octet-string':
    case 'date-time': {
      const iso = cosemDateTimeText(value.bytes);
      if (iso !== undefined) {
        reading = { value: iso };
        break;
      }
      const text = value.type === 'octet-string' ? printable(value.bytes) : undefined;
      reading = { value: text ?? toHex(value.bytes) };
      break;
    }
    default:
      return;
  }
  walk.obis[code.text] = reading;
  const spec = code.spec;
  if (spec === undefined) return;
  const published =
    spec.kind === 'text'
      ? typeof reading.value === 'string'
        ? reading.value
        : undefined
      : publishedNumber(code, spec.unit, value, numeric, scaler, unit, unitText);
  if (published !== undefined) walk.slots[code.slot] = published;
}

/** A number register in the published unit; undefined when its unit cannot be converted to that one. */
function publishedNumber(
  code: ObisCode,
  publishedUnit: string | undefined,
  raw: DlmsValue,
  numeric: number | undefined,
  scaler: number,
  unit: number | undefined,
  unitText: string | undefined,
): number | undefined {
  if (numeric === undefined || !(raw.type === 'integer' || raw.type === 'float' || raw.type === 'bcd')) {
    return undefined;
  }
  if (publishedUnit === undefined) return numeric;
  const unitKey = unit ?? -1;
  let exponent: number | undefined;
  if (code.exponentUnit === unitKey) {
    exponent = code.exponent;
  } else {
    const meterUnit = unitText ?? (unit === undefined ? BASE_UNIT[publishedUnit] : undefined);
    exponent = meterUnit === undefined ? undefined : UNIT_CONVERSIONS[publishedUnit]?.[meterUnit];
    code.exponentUnit = unitKey;
    code.exponent = exponent;
  }
  if (exponent === undefined) return undefined;
  const published = scale(raw.value, scaler + exponent);
  return Number.isFinite(published) ? published : undefined;
}
