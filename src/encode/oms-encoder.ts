import { createCipheriv } from 'node:crypto';
import { MBUS_LONG_START, MBUS_STOP, mbusChecksum } from '../mbus/mbus-frame.js';
import { encodeMbusDateTimeTypeI, type MbusDateTime } from '../oms/mbus-date.js';
import { omsIv } from '../oms/oms-decrypt.js';
import {
  manufacturerCode,
  OMS_BLOCK_LENGTH,
  OMS_CI_LONG_HEADER,
  OMS_MODE_AES_CBC,
  parseOmsLongHeader,
} from '../oms/oms-header.js';

/**
 * What a Siemens AMIS meter sends, in reverse of src/oms: records in the AMIS order → 2F 2F fillers to a
 * whole block → AES-128-CBC (mode 5) → M-Bus long frame with CI 0x5B. For round trips in the tests and
 * the simulator's AMIS layout. Record for record the layout of vector 22 (test/fixtures/vectors.json).
 */

/** The AMIS frame's C and A fields (vector 22): SND_NR-like 0x73 and address 0xF0. */
export const AMIS_C_FIELD = 0x73;
export const AMIS_A_FIELD = 0xf0;

export type OmsHeaderInput = {
  /** 8 decimal digits as printed; AMIS sends 00000000. */
  readonly identification: string;
  readonly manufacturer: string;
  readonly version: number;
  readonly medium: number;
  readonly accessNumber: number;
  readonly status: number;
};

/** In the meter's units: Wh, varh, W, var; whole numbers that fit a signed 32-bit field. */
export type AmisReadingsInput = {
  readonly time: MbusDateTime;
  readonly energyIn: number;
  readonly energyOut: number;
  readonly reactiveEnergyIn: number;
  readonly reactiveEnergyOut: number;
  readonly powerIn: number;
  readonly powerOut: number;
  readonly reactivePowerIn: number;
  readonly reactivePowerOut: number;
  /** Siemens register 1.128.0, Wh. */
  readonly register1128: number;
};

export const AMIS_HEADER: OmsHeaderInput = {
  identification: '00000000',
  manufacturer: 'SAM',
  version: 0x01,
  medium: 0x0e,
  accessNumber: 0,
  status: 0,
};

const FILLER = 0x2f;

function int32(value: number, what: string): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new RangeError(`${what} must be a whole number that fits 32 bits, not ${value}`);
  }
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff];
}

/** The plaintext records, 2F 2F first, unpadded. DIF/VIF bytes as in vector 22. */
export function encodeAmisRecords(input: AmisReadingsInput): Uint8Array {
  return Uint8Array.from([
    FILLER,
    FILLER,
    0x06,
    0x6d,
    ...encodeMbusDateTimeTypeI(input.time),
    0x04,
    0x03,
    ...int32(input.energyIn, 'energyIn'),
    0x04,
    0x83,
    0x3c,
    ...int32(input.energyOut, 'energyOut'),
    0x84,
    0x10,
    0xfb,
    0x82,
    0x73,
    ...int32(input.reactiveEnergyIn, 'reactiveEnergyIn'),
    0x84,
    0x10,
    0xfb,
    0x82,
    0xf3,
    0x3c,
    ...int32(input.reactiveEnergyOut, 'reactiveEnergyOut'),
    0x04,
    0x2b,
    ...int32(input.powerIn, 'powerIn'),
    0x04,
    0xab,
    0x3c,
    ...int32(input.powerOut, 'powerOut'),
    0x04,
    0xfb,
    0x14,
    ...int32(input.reactivePowerIn, 'reactivePowerIn'),
    0x04,
    0xfb,
    0x94,
    0x3c,
    ...int32(input.reactivePowerOut, 'reactivePowerOut'),
    0x04,
    0x83,
    0xff,
    0x04,
    ...int32(input.register1128, 'register1128'),
  ]);
}

function headerBytes(header: OmsHeaderInput, blocks: number): Uint8Array {
  if (!/^\d{8}$/.test(header.identification)) throw new RangeError('identification must be 8 digits');
  const code = manufacturerCode(header.manufacturer);
  if (code === undefined) throw new RangeError('manufacturer must be three letters A–Z');
  const id = header.identification;
  const bcd = (i: number): number => Number.parseInt(id.slice(6 - 2 * i, 8 - 2 * i), 16);
  const configuration = (OMS_MODE_AES_CBC << 8) | (blocks << 4);
  return Uint8Array.of(
    bcd(0),
    bcd(1),
    bcd(2),
    bcd(3),
    code & 0xff,
    code >> 8,
    header.version & 0xff,
    header.medium & 0xff,
    header.accessNumber & 0xff,
    header.status & 0xff,
    configuration & 0xff,
    configuration >> 8,
  );
}

/** Pads the plaintext with 2F to whole blocks, encrypts it (mode 5) and frames it. */
export function encodeOmsMode5Frame(
  header: OmsHeaderInput,
  plaintext: Uint8Array,
  key: Uint8Array,
): Uint8Array {
  const blocks = Math.ceil(plaintext.length / OMS_BLOCK_LENGTH);
  if (blocks === 0 || blocks > 15) throw new RangeError('mode 5 carries 1 to 15 blocks of 16 bytes');
  const padded = new Uint8Array(blocks * OMS_BLOCK_LENGTH).fill(FILLER);
  padded.set(plaintext, 0);
  const head = headerBytes(header, blocks);
  const parsed = parseOmsLongHeader(OMS_CI_LONG_HEADER, Uint8Array.from([...head, ...padded]));
  const cipher = createCipheriv('aes-128-cbc', key, omsIv(parsed));
  cipher.setAutoPadding(false);
  const ciphertext = cipher.update(padded);
  const body = Uint8Array.from([AMIS_C_FIELD, AMIS_A_FIELD, OMS_CI_LONG_HEADER, ...head, ...ciphertext]);
  const frame = new Uint8Array(body.length + 6);
  frame.set([MBUS_LONG_START, body.length, body.length, MBUS_LONG_START], 0);
  frame.set(body, 4);
  frame[frame.length - 2] = mbusChecksum(body, 0, body.length);
  frame[frame.length - 1] = MBUS_STOP;
  return frame;
}

/** A whole AMIS telegram: readings and header in, one M-Bus frame out. */
export function encodeAmisFrame(
  readings: AmisReadingsInput,
  key: Uint8Array,
  header: OmsHeaderInput = AMIS_HEADER,
): Uint8Array {
  return encodeOmsMode5Frame(header, encodeAmisRecords(readings), key);
}
