/**
 * CRC-16/X-25 (ISO/IEC 13239, the HDLC FCS that IEC 62056-46 uses for HCS and FCS): polynomial 0x1021
 * bit-reversed (0x8408), initial value 0xFFFF, result complemented, sent low byte first. Check value of
 * "123456789" is 0x906E.
 *
 * Table-driven: the framer runs it over every candidate frame, byte by byte, at line speed and while
 * resynchronising inside damaged frames.
 */

const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
    table[n] = crc;
  }
  return table;
})();

/**
 * Slicing by four (2 KiB of tables): TABLE_K[n] is the CRC of byte n followed by k zero bytes, so four bytes
 * take four independent lookups instead of four dependent ones; the HDLC path's framing check halves.
 */
const [TABLE_1, TABLE_2, TABLE_3] = ((): Uint16Array[] => {
  const tables: Uint16Array[] = [];
  let previous = TABLE;
  for (let k = 1; k <= 3; k++) {
    const table = new Uint16Array(256);
    for (let n = 0; n < 256; n++) {
      const crc = previous[n] as number;
      table[n] = (crc >>> 8) ^ (TABLE[crc & 0xff] as number);
    }
    tables.push(table);
    previous = table;
  }
  return tables;
})() as [Uint16Array, Uint16Array, Uint16Array];

/** The CRC of `bytes[start..end)`; the caller has checked the bounds. */
export function crc16X25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const x = crc ^ (bytes[i] as number) ^ ((bytes[i + 1] as number) << 8);
    crc =
      (TABLE_3[x & 0xff] as number) ^
      (TABLE_2[x >>> 8] as number) ^
      (TABLE_1[bytes[i + 2] as number] as number) ^
      (TABLE[bytes[i + 3] as number] as number);
  }
  for (; i < end; i++) {
    crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number);
  }
  return ~crc & 0xffff;
}

/** Whether the two bytes at `at` (low byte first, as on the wire) are the CRC of `bytes[start..at)`. */
export function crcMatches(bytes: Uint8Array, start: number, at: number): boolean {
  const crc = crc16X25(bytes, start, at);
  return bytes[at] === (crc & 0xff) && bytes[at + 1] === crc >>> 8;
}
