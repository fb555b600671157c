import { MeterError } from '../errors.js';
import { type OmsValueInfo, parseValueInfo } from './vif-tables.js';

/**
 * EN 13757-3 data records: DIF, up to 10 DIFE, VIF, up to 10 VIFE, data. Bounded: every field is checked
 * against what is left, and every step consumes at least one byte.
 *
 * DIF: bit 7 extension, bit 6 storage number LSB, bits 5–4 function, bits 3–0 data field. DIFE: bit 7
 * extension, bit 6 subunit, bits 5–4 tariff, bits 3–0 storage number (next bits up).
 * Special DIFs (data field 0xF): 0x2F idle filler (skipped); 0x0F and 0x1F manufacturer-specific data up to
 * the end (0x1F: more records follow in the next telegram); 0x7F global readout request (no data).
 */

export type OmsValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'integer'; readonly value: number }
  | { readonly kind: 'real'; readonly value: number }
  /** A BCD field with a digit above 9 (meters fill "no value" with F…F). */
  | { readonly kind: 'invalid-bcd'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

export type OmsFunction = 'instantaneous' | 'maximum' | 'minimum' | 'error';

export type OmsDataRecord = {
  readonly dif: number;
  /** DIF, DIFE, VIF and VIFE as sent: what names a record that has no OBIS code. */
  readonly dibVib: Uint8Array;
  readonly storageNumber: number;
  readonly tariff: number;
  readonly subunit: number;
  readonly function: OmsFunction;
  readonly info: OmsValueInfo;
  readonly value: OmsValue;
  /** The data field's raw bytes (for date-times, whose coding depends on the length). */
  readonly data: Uint8Array;
};

export type OmsRecords = {
  readonly records: readonly OmsDataRecord[];
  /** After DIF 0x0F/0x1F: bytes only the manufacturer knows. */
  readonly manufacturerData: Uint8Array | undefined;
  /** DIF 0x1F: the meter has more records in its next telegram. */
  readonly moreRecordsFollow: boolean;
};

export const DIF_IDLE_FILLER = 0x2f;
export const DIF_MANUFACTURER_DATA = 0x0f;
export const DIF_MORE_RECORDS_FOLLOW = 0x1f;
const DIF_GLOBAL_READOUT = 0x7f;
const EXTENSION = 0x80;
const MAX_DIFE = 10;
const FUNCTIONS: readonly OmsFunction[] = ['instantaneous', 'maximum', 'minimum', 'error'];

/**
 * Data field → bytes, indexed by the DIF's low nibble: none, integers of 8/16/24/32 bits, real, integers of
 * 48/64 bits, selection for readout (no data), BCD of 2/4/6/8 digits, variable (0xD, LVAR decides), BCD of 12
 * digits, special (0xF, handled apart).
 */
const FIXED_LENGTH: readonly number[] = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1];

const invalid = (message: string): MeterError => new MeterError('FRAME_INVALID', `M-Bus records: ${message}`);

export function parseDataRecords(bytes: Uint8Array): OmsRecords {
  const records: OmsDataRecord[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const dif = bytes[pos] as number;
    if (dif === DIF_IDLE_FILLER) {
      pos++;
      continue;
    }
    if (dif === DIF_MANUFACTURER_DATA || dif === DIF_MORE_RECORDS_FOLLOW) {
      return {
        records,
        manufacturerData: bytes.subarray(pos + 1),
        moreRecordsFollow: dif === DIF_MORE_RECORDS_FOLLOW,
      };
    }
    if (dif === DIF_GLOBAL_READOUT) {
      pos++;
      continue;
    }
    if ((dif & 0x0f) === 0x0f) throw invalid(`reserved DIF 0x${hex2(dif)} at offset ${pos}`);
    const start = pos;
    pos++;
    let storageNumber = (dif >> 6) & 0x01;
    let tariff = 0;
    let subunit = 0;
    let extended = (dif & EXTENSION) !== 0;
    for (let n = 0; extended; n++) {
      if (n >= MAX_DIFE) throw invalid(`more than ${MAX_DIFE} DIFE at offset ${start}`);
      if (pos >= bytes.length) throw invalid(`record at offset ${start} ends inside its DIFE`);
      const dife = bytes[pos++] as number;
      // Up to 10 DIFE give 41 storage bits: beyond 2^53 nothing is exact, and no meter counts that far.
      storageNumber += (dife & 0x0f) * 2 ** (1 + 4 * n);
      tariff += ((dife >> 4) & 0x03) * 2 ** (2 * n);
      subunit += ((dife >> 6) & 0x01) * 2 ** n;
      extended = (dife & EXTENSION) !== 0;
    }
    const vib = parseValueInfo(bytes, pos, start);
    pos = vib.end;
    const field = dif & 0x0f;
    let length: number;
    let value: OmsValue;
    let data: Uint8Array;
    if (field === 0x0d) {
      if (pos >= bytes.length) throw invalid(`record at offset ${start} has no length byte (LVAR)`);
      const lvar = bytes[pos++] as number;
      length = variableLength(lvar, start);
      data = take(bytes, pos, length, start);
      value = variableValue(lvar, data);
    } else {
      length = FIXED_LENGTH[field] as number;
      data = take(bytes, pos, length, start);
      value = fixedValue(field, data);
    }
    pos += length;
    records.push({
      dif,
      dibVib: bytes.subarray(start, vib.end),
      storageNumber,
      tariff,
      subunit,
      function: FUNCTIONS[(dif >> 4) & 0x03] as OmsFunction,
      info: vib.info,
      value,
      data,
    });
  }
  return { records, manufacturerData: undefined, moreRecordsFollow: false };
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

function take(bytes: Uint8Array, pos: number, length: number, start: number): Uint8Array {
  if (pos + length > bytes.length) {
    throw invalid(
      `record at offset ${start} needs ${length} data byte(s), only ${bytes.length - pos} are left`,
    );
  }
  return bytes.subarray(pos, pos + length);
}

/** LVAR (EN 13757-3 Table 5): text, positive/negative BCD, binary; 0xF0… long binary forms are not used by meters here. */
function variableLength(lvar: number, start: number): number {
  if (lvar <= 0xbf) return lvar;
  if (lvar >= 0xc0 && lvar <= 0xc9) return lvar - 0xc0;
  if (lvar >= 0xd0 && lvar <= 0xd9) return lvar - 0xd0;
  if (lvar >= 0xe0 && lvar <= 0xef) return lvar - 0xe0;
  throw new MeterError(
    'UNSUPPORTED',
    `M-Bus records: variable-length coding LVAR 0x${hex2(lvar)} at offset ${start} is not supported`,
  );
}

function variableValue(lvar: number, data: Uint8Array): OmsValue {
  if (lvar <= 0xbf) {
    // Sent last character first.
    let text = '';
    for (let i = data.length - 1; i >= 0; i--) text += String.fromCharCode(data[i] as number);
    return { kind: 'text', text };
  }
  if (lvar <= 0xd9) return bcdValue(data, lvar >= 0xd0);
  return { kind: 'bytes', bytes: data };
}

function fixedValue(field: number, data: Uint8Array): OmsValue {
  switch (field) {
    case 0x0:
    case 0x8:
      return { kind: 'none' };
    case 0x5:
      return { kind: 'real', value: Buffer.from(data.buffer, data.byteOffset, 4).readFloatLE(0) };
    case 0x9:
    case 0xa:
    case 0xb:
    case 0xc:
    case 0xe:
      return bcdValue(data, false);
    default:
      return { kind: 'integer', value: signedLittleEndian(data) };
  }
}

/** Type B: two's complement, least significant byte first. Exact up to 2^53 (64-bit fields beyond that round). */
export function signedLittleEndian(data: Uint8Array): number {
  if (data.length === 0) return 0;
  let value = 0;
  for (let i = data.length - 1; i >= 0; i--) value = value * 256 + (data[i] as number);
  const top = data[data.length - 1] as number;
  return (top & 0x80) !== 0 ? value - 2 ** (8 * data.length) : value;
}

/**
 * Type A: BCD, least significant byte first. A high nibble F in the last byte is a minus sign
 * (EN 13757-3 Annex A); `negative` is the sign of an LVAR 0xD0… field.
 */
function bcdValue(data: Uint8Array, negative: boolean): OmsValue {
  let value = 0;
  let sign = negative ? -1 : 1;
  for (let i = data.length - 1; i >= 0; i--) {
    const byte = data[i] as number;
    let high = byte >> 4;
    const low = byte & 0x0f;
    if (i === data.length - 1 && high === 0x0f) {
      sign = -sign;
      high = 0;
    }
    if (high > 9 || low > 9) return { kind: 'invalid-bcd', bytes: data };
    value = value * 100 + high * 10 + low;
  }
  return { kind: 'integer', value: value === 0 ? 0 : sign * value };
}
