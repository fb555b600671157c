/**
 * The CRC-16 that closes a DSMR/P1 telegram (P1 Companion Standard 5.0.2 §6.2): CRC-16/ARC, polynomial
 * x^16 + x^15 + x^2 + 1 (0x8005) processed LSB first (0xA001), initial value 0, no final XOR, over every
 * byte from the leading `/` to the closing `!` inclusive. Check value of "123456789": 0xBB3D.
 */

const REFLECTED_POLY = 0xa001;

const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ REFLECTED_POLY : crc >>> 1;
    table[n] = crc;
  }
  return table;
})();

/** CRC-16/ARC of `bytes[start, end)`; the bounds are clamped to the array. */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const from = Math.max(0, start);
  const to = Math.min(bytes.length, end);
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number);
  }
  return crc;
}
