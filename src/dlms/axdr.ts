import { AxdrReader, type ByteReader } from '../bytes/byte-reader.js';
import { MeterError } from '../errors.js';
import { readBerLength } from './ber-length.js';

/**
 * A-XDR `Data` (IEC 62056-6-2 / Green Book "Data" CHOICE): a tag byte, then the value. Decoded into a
 * generic tree; what the tree means is the meter model's business, so no operator layout lives here.
 */

export const AXDR = {
  null: 0x00,
  array: 0x01,
  structure: 0x02,
  boolean: 0x03,
  bitString: 0x04,
  doubleLong: 0x05,
  doubleLongUnsigned: 0x06,
  octetString: 0x09,
  visibleString: 0x0a,
  utf8String: 0x0c,
  bcd: 0x0d,
  integer: 0x0f,
  long: 0x10,
  unsigned: 0x11,
  longUnsigned: 0x12,
  compactArray: 0x13,
  long64: 0x14,
  long64Unsigned: 0x15,
  enum: 0x16,
  float32: 0x17,
  float64: 0x18,
  dateTime: 0x19,
  date: 0x1a,
  time: 0x1b,
} as const;

export type DlmsValue =
  | { readonly type: 'null' }
  | { readonly type: 'array' | 'structure'; readonly items: readonly DlmsValue[] }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bit-string'; readonly bitLength: number; readonly bytes: Uint8Array }
  /** Every integer width and sign; 64-bit values beyond 2^53 lose precision (no meter sends such). */
  | { readonly type: 'integer'; readonly tag: number; readonly value: number }
  | { readonly type: 'enum'; readonly value: number }
  | { readonly type: 'octet-string'; readonly bytes: Uint8Array }
  | { readonly type: 'visible-string' | 'utf8-string'; readonly text: string }
  | { readonly type: 'bcd'; readonly value: number }
  | { readonly type: 'float'; readonly tag: number; readonly value: number }
  /** COSEM date-time (12 bytes), date (5) or time (4), undecoded: see cosem/date-time.ts. */
  | { readonly type: 'date-time' | 'date' | 'time'; readonly bytes: Uint8Array };

/** Nesting deeper than this is not a meter's push list but garbage or an attack on the stack. */
export const AXDR_MAX_DEPTH = 16;

/**
 * Values a meter sends alike in every telegram, shared instead of built again: six-byte octet-strings (OBIS
 * codes) and {integer, enum} structures ({scaler, unit}), some thirty objects of a push list. A DlmsValue is
 * read-only; these are frozen besides (all but their bytes, which no one writes). Each table is
 * direct-mapped, a value evicting the one in its slot: bounded however many values line noise makes up.
 */
const SHARED_SLOTS = 256;
const SHARED_OCTETS_LENGTH = 6;
type Shared = { readonly high: number; readonly low: number; readonly value: DlmsValue };
const sharedOctets: (Shared | undefined)[] = new Array(SHARED_SLOTS).fill(undefined);
const sharedScalerUnits: (Shared | undefined)[] = new Array(SHARED_SLOTS).fill(undefined);

/** The six bytes at the reader's offset, known to be there, as a shared octet-string. */
function readSixOctets(reader: ByteReader): DlmsValue {
  const b = reader.bytes;
  const p = reader.offset;
  const high = ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
  const low = ((b[p + 3] as number) << 16) | ((b[p + 4] as number) << 8) | (b[p + 5] as number);
  reader.skip(SHARED_OCTETS_LENGTH, 'octet-string');
  const slot = (Math.imul(high, 0x9e3779b1) ^ Math.imul(low, 0x85ebca77)) >>> 24;
  const cached = sharedOctets[slot];
  if (cached !== undefined && cached.high === high && cached.low === low) return cached.value;
  const value: DlmsValue = Object.freeze({
    type: 'octet-string',
    bytes: Uint8Array.from(b.subarray(p, p + SHARED_OCTETS_LENGTH)),
  });
  sharedOctets[slot] = { high, low, value };
  return value;
}

/** `0F ss 16 uu` at the reader's offset, known to be there, as a shared {integer, enum} structure. */
function readScalerUnit(reader: ByteReader): DlmsValue {
  const b = reader.bytes;
  const p = reader.offset;
  const scaler = b[p + 1] as number;
  const unit = b[p + 3] as number;
  reader.skip(4, 'A-XDR structure');
  const slot = (Math.imul(scaler, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca77)) >>> 24;
  const cached = sharedScalerUnits[slot];
  if (cached !== undefined && cached.high === scaler && cached.low === unit) return cached.value;
  const value: DlmsValue = Object.freeze({
    type: 'structure',
    items: Object.freeze([
      Object.freeze({ type: 'integer', tag: AXDR.integer, value: scaler >= 0x80 ? scaler - 0x100 : scaler }),
      Object.freeze({ type: 'enum', value: unit }),
    ]),
  });
  sharedScalerUnits[slot] = { high: scaler, low: unit, value };
  return value;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Decodes exactly one value from `bytes`; trailing bytes are an error. */
export function decodeAxdr(bytes: Uint8Array): DlmsValue {
  const reader = new AxdrReader(bytes);
  const value = readAxdrValue(reader);
  if (reader.remaining !== 0) {
    throw new MeterError('AXDR_INVALID', `${reader.remaining} byte(s) left over after the A-XDR value`);
  }
  return value;
}

export function readAxdrValue(reader: ByteReader, depth = 0): DlmsValue {
  if (depth > AXDR_MAX_DEPTH) {
    throw new MeterError('AXDR_INVALID', `A-XDR data nested deeper than ${AXDR_MAX_DEPTH} levels`);
  }
  const at = reader.offset;
  const tag = reader.u8('A-XDR tag');
  switch (tag) {
    case AXDR.integer: {
      const v = reader.u8('integer');
      return { type: 'integer', tag, value: v >= 0x80 ? v - 0x100 : v };
    }
    case AXDR.unsigned:
      return { type: 'integer', tag, value: reader.u8('integer') };
    case AXDR.long: {
      const v = reader.u16('long');
      return { type: 'integer', tag, value: v >= 0x8000 ? v - 0x10000 : v };
    }
    case AXDR.longUnsigned:
      return { type: 'integer', tag, value: reader.u16('long') };
    case AXDR.doubleLong: {
      const v = reader.u32('double-long');
      return { type: 'integer', tag, value: v >= 0x80000000 ? v - 0x100000000 : v };
    }
    case AXDR.doubleLongUnsigned:
      return { type: 'integer', tag, value: reader.u32('double-long') };
    case AXDR.long64:
    case AXDR.long64Unsigned:
      return { type: 'integer', tag, value: readLong64(reader, tag === AXDR.long64) };
    case AXDR.null:
      return { type: 'null' };
    case AXDR.array:
    case AXDR.structure: {
      const count = readBerLength(reader, 'A-XDR element count');
      // Every element takes at least its tag byte: a count beyond what is left is a lie, not a promise.
      if (count > reader.remaining) {
        throw new MeterError(
          'AXDR_INVALID',
          `A-XDR ${tag === AXDR.array ? 'array' : 'structure'} at offset ${at} announces ${count} elements but only ${reader.remaining} bytes are left`,
        );
      }
      if (
        count === 2 &&
        tag === AXDR.structure &&
        depth < AXDR_MAX_DEPTH &&
        reader.remaining >= 4 &&
        reader.bytes[reader.offset] === AXDR.integer &&
        reader.bytes[reader.offset + 2] === AXDR.enum
      ) {
        return readScalerUnit(reader);
      }
      // Sized once: a push list has hundreds of small structures, and push() would reserve room for 16.
      const items = new Array<DlmsValue>(count);
      for (let i = 0; i < count; i++) items[i] = readAxdrValue(reader, depth + 1);
      return { type: tag === AXDR.array ? 'array' : 'structure', items };
    }
    case AXDR.boolean:
      return { type: 'boolean', value: reader.u8('boolean') !== 0 };
    case AXDR.bitString: {
      const bitLength = readBerLength(reader, 'bit-string length');
      return { type: 'bit-string', bitLength, bytes: reader.take(Math.ceil(bitLength / 8), 'bit-string') };
    }
    case AXDR.octetString: {
      const length = readBerLength(reader, 'octet-string length');
      if (length === SHARED_OCTETS_LENGTH && reader.remaining >= length) return readSixOctets(reader);
      return { type: 'octet-string', bytes: reader.take(length, 'octet-string') };
    }
    case AXDR.visibleString:
    case AXDR.utf8String: {
      const bytes = reader.take(readBerLength(reader, 'string length'), 'string');
      return tag === AXDR.visibleString
        ? { type: 'visible-string', text: latin1.decode(bytes) }
        : { type: 'utf8-string', text: utf8.decode(bytes) };
    }
    case AXDR.bcd: {
      const byte = reader.u8('bcd');
      return { type: 'bcd', value: (byte >> 4) * 10 + (byte & 0x0f) };
    }
    case AXDR.enum:
      return { type: 'enum', value: reader.u8('enum') };
    case AXDR.float32:
    case AXDR.float64: {
      const size = tag === AXDR.float32 ? 4 : 8;
      const raw = reader.take(size, 'float');
      const view = new DataView(raw.buffer, raw.byteOffset, size);
      return { type: 'float', tag, value: size === 4 ? view.getFloat32(0) : view.getFloat64(0) };
    }
    case AXDR.dateTime:
      return { type: 'date-time', bytes: reader.take(12, 'date-time') };
    case AXDR.date:
      return { type: 'date', bytes: reader.take(5, 'date') };
    case AXDR.time:
      return { type: 'time', bytes: reader.take(4, 'time') };
    case AXDR.compactArray:
      throw new MeterError('UNSUPPORTED', `A-XDR compact-array at offset ${at} is not supported`);
    default:
      throw new MeterError(
        'AXDR_INVALID',
        `unknown A-XDR tag 0x${tag.toString(16).padStart(2, '0')} at offset ${at}`,
      );
  }
}

function readLong64(reader: ByteReader, signed: boolean): number {
  const hi = reader.u32('long64');
  const lo = reader.u32('long64');
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return Number(signed ? BigInt.asIntN(64, big) : big);
}
