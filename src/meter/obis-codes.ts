import { formatObis } from '../cosem/obis.js';
import { VALUE_KEY_BY_OBIS, VALUE_KEYS, type ValueKeySpec } from './value-keys.js';

/**
 * An OBIS code as the meter model uses it: its text, and the value key it publishes, if any. A meter sends
 * the same dozen or so codes in every telegram; formatting each again and looking its text up in a map
 * was a good part of the model's time, so they are kept, by their six bytes.
 */
export type ObisCode = {
  readonly text: string;
  /** The text's characters, for the layout fingerprint (layout-fingerprint.ts). */
  readonly chars: Uint8Array;
  readonly spec: ValueKeySpec | undefined;
  /** The spec's place in VALUE_KEYS, the publishing order; −1 without one. */
  readonly slot: number;
  /**
   * The power of ten from the unit this code last came with (-1: none) to its published unit; a meter
   * sends each code with one unit (meter-model.ts, publishedNumber).
   */
  exponentUnit: number;
  exponent: number | undefined;
  /** The bytes, as two 24-bit numbers. */
  readonly high: number;
  readonly low: number;
};

/**
 * Direct-mapped by a hash of the bytes: a code evicts the one in its slot. Bounded however many codes line
 * noise makes up; a meter's dozen or so codes rarely share a slot, and then cost a format each time.
 */
const SLOTS = 256;
const table: (ObisCode | undefined)[] = new Array(SLOTS).fill(undefined);

/** `bytes` must be OBIS_LENGTH long (looksLikeObis). */
export function obisCode(bytes: Uint8Array): ObisCode {
  const high = ((bytes[0] as number) << 16) | ((bytes[1] as number) << 8) | (bytes[2] as number);
  const low = ((bytes[3] as number) << 16) | ((bytes[4] as number) << 8) | (bytes[5] as number);
  const index = (Math.imul(high, 0x9e3779b1) ^ Math.imul(low, 0x85ebca77)) >>> 24;
  const cached = table[index];
  if (cached !== undefined && cached.high === high && cached.low === low) return cached;
  const text = formatObis(bytes);
  const spec = VALUE_KEY_BY_OBIS.get(text);
  const code: ObisCode = {
    text,
    chars: Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff),
    spec,
    slot: spec === undefined ? -1 : VALUE_KEYS.indexOf(spec),
    exponentUnit: Number.NaN,
    exponent: undefined,
    high,
    low,
  };
  table[index] = code;
  return code;
}
