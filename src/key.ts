import { fromHex } from './bytes/hex.js';
import { MeterError } from './errors.js';

/**
 * Keys as users paste them from the grid operator's portal or e-mail: 32 hex digits in any case, with
 * or without spaces, colons, dashes or a `0x` prefix. A key never appears in a message; only its first
 * four hex digits may (keyHint), so a user can tell which key was used.
 */

export const KEY_LENGTH = 16;

export function parseKey(text: string, name: string): Uint8Array {
  let digits = text.trim().replace(/[\s:-]/g, '');
  if (/^0x/i.test(digits)) digits = digits.slice(2);
  const bytes = digits.length === 2 * KEY_LENGTH ? fromHex(digits) : undefined;
  if (bytes !== undefined) return bytes;
  const hexCount = (digits.match(/[0-9a-fA-F]/g) ?? []).length;
  const other = digits.length - hexCount;
  const detail =
    other > 0
      ? `it contains ${other} character(s) that are not hex digits (0-9, A-F)`
      : `it has ${hexCount} hex digit(s)`;
  throw new MeterError(
    'CONFIG_INVALID',
    `${name}: a key is 32 hex digits (16 bytes), but ${detail}. Copy the key exactly as your grid operator sent it.`,
  );
}

export function keyHint(key: Uint8Array): string {
  return `${Buffer.from(key.subarray(0, 2)).toString('hex').toUpperCase()}…`;
}
