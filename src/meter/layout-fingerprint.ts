import type { DlmsValue } from '../dlms/axdr.js';

/**
 * FNV-1a over what a meter keeps the same from one push to the next: its registers' OBIS codes, scalers,
 * units and value types (with string lengths), its unlabelled strings' lengths and whether it sent a clock.
 * Line noise that changes any of these changes the number; a damaged value does not (reading-guard.ts).
 * The meter model mixes each register in as its walk finds it, and the rest at the end.
 */

export const FINGERPRINT_START = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** `chars`: the OBIS code's text, a byte per character; `unit` 0xFF when there is none. */
export function mixRegister(
  hash: number,
  chars: Uint8Array,
  value: DlmsValue,
  scaler: number,
  unit: number,
): number {
  let h = hash;
  for (let i = 0; i < chars.length; i++) h = Math.imul(h ^ (chars[i] as number), FNV_PRIME);
  h = Math.imul(h ^ (scaler & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (unit & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (value.type.charCodeAt(0) & 0xff), FNV_PRIME);
  switch (value.type) {
    case 'integer':
    case 'float':
      return Math.imul(h ^ (value.tag & 0xff), FNV_PRIME);
    case 'bit-string':
    case 'octet-string':
    case 'date-time':
    case 'date':
    case 'time':
      return Math.imul(h ^ (value.bytes.length & 0xff), FNV_PRIME);
    case 'visible-string':
    case 'utf8-string':
      return Math.imul(h ^ (value.text.length & 0xff), FNV_PRIME);
    default:
      return h;
  }
}

export function finishFingerprint(hash: number, stringLengths: readonly number[], hasClock: boolean): number {
  let h = hash;
  for (const length of stringLengths) h = Math.imul(h ^ (length & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (hasClock ? 1 : 0), FNV_PRIME);
  return h >>> 0;
}
