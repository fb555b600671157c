import { AXDR, type DlmsValue } from '../dlms/axdr.js';
import { encodeBerLength } from '../dlms/ber-length.js';

/**
 * The inverse of dlms/axdr.ts, for the simulator and for round-trip tests. Values that do not fit
 * their tag's width are a programming error here, so they throw a plain RangeError.
 */

const INTEGER_BYTES: Readonly<Record<number, 1 | 2 | 4 | 8>> = {
  [AXDR.integer]: 1,
  [AXDR.unsigned]: 1,
  [AXDR.long]: 2,
  [AXDR.longUnsigned]: 2,
  [AXDR.doubleLong]: 4,
  [AXDR.doubleLongUnsigned]: 4,
  [AXDR.long64]: 8,
  [AXDR.long64Unsigned]: 8,
};

export function encodeAxdr(value: DlmsValue): Uint8Array {
  const parts: Uint8Array[] = [];
  write(value, parts);
  const joined = Buffer.concat(parts);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.length);
}

function write(value: DlmsValue, out: Uint8Array[]): void {
  switch (value.type) {
    case 'null':
      out.push(Uint8Array.of(AXDR.null));
      return;
    case 'array':
    case 'structure':
      out.push(
        Uint8Array.of(value.type === 'array' ? AXDR.array : AXDR.structure),
        encodeBerLength(value.items.length),
      );
      for (const item of value.items) write(item, out);
      return;
    case 'boolean':
      out.push(Uint8Array.of(AXDR.boolean, value.value ? 1 : 0));
      return;
    case 'bit-string':
      out.push(Uint8Array.of(AXDR.bitString), encodeBerLength(value.bitLength), value.bytes);
      return;
    case 'integer':
      out.push(Uint8Array.of(value.tag), encodeInteger(value.value, INTEGER_BYTES[value.tag]));
      return;
    case 'enum':
      out.push(Uint8Array.of(AXDR.enum, value.value));
      return;
    case 'octet-string':
      out.push(Uint8Array.of(AXDR.octetString), encodeBerLength(value.bytes.length), value.bytes);
      return;
    case 'visible-string':
    case 'utf8-string': {
      const bytes = Buffer.from(value.text, value.type === 'visible-string' ? 'latin1' : 'utf8');
      out.push(
        Uint8Array.of(value.type === 'visible-string' ? AXDR.visibleString : AXDR.utf8String),
        encodeBerLength(bytes.length),
        bytes,
      );
      return;
    }
    case 'bcd':
      out.push(Uint8Array.of(AXDR.bcd, (Math.floor(value.value / 10) << 4) | (value.value % 10)));
      return;
    case 'float': {
      const size = value.tag === AXDR.float32 ? 4 : 8;
      const bytes = Buffer.alloc(size);
      if (size === 4) bytes.writeFloatBE(value.value);
      else bytes.writeDoubleBE(value.value);
      out.push(Uint8Array.of(value.tag), bytes);
      return;
    }
    case 'date-time':
      out.push(Uint8Array.of(AXDR.dateTime), value.bytes);
      return;
    case 'date':
      out.push(Uint8Array.of(AXDR.date), value.bytes);
      return;
    case 'time':
      out.push(Uint8Array.of(AXDR.time), value.bytes);
      return;
  }
}

function encodeInteger(value: number, bytes: 1 | 2 | 4 | 8 | undefined): Uint8Array {
  if (bytes === undefined) throw new RangeError('not an integer tag');
  const out = Buffer.alloc(bytes);
  const big = BigInt.asUintN(bytes * 8, BigInt(value));
  for (let i = 0; i < bytes; i++) out[bytes - 1 - i] = Number((big >> BigInt(8 * i)) & 0xffn);
  return out;
}
