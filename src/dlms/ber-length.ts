import type { ByteReader } from '../bytes/byte-reader.js';
import { MeterError } from '../errors.js';

/**
 * A-XDR/BER length, all three forms seen on Austrian meters: `4D` (short), `81 F8` (EVN),
 * `82 01 55` (KSM-West). Up to four length bytes are accepted; the caller checks the value against
 * what is actually left.
 */
export function readBerLength(reader: ByteReader, what: string): number {
  const first = reader.u8(what);
  if (first < 0x80) return first;
  const count = first & 0x7f;
  if (count === 0 || count > 4) {
    throw new MeterError(
      reader.malformedCode,
      `${what}: length form 0x${first.toString(16)} is not a definite length`,
    );
  }
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 256 + reader.u8(what);
  return value;
}

export function encodeBerLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  return Uint8Array.of(
    0x84,
    (length >>> 24) & 0xff,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
  );
}
