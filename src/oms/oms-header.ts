import { MeterError } from '../errors.js';

/**
 * EN 13757-3 long header, after CI 0x5B (the wired M-Bus form that Siemens AMIS meters send on their
 * customer interface; EN 13757-7 defines its security part):
 *
 * | bytes | field                                                                  |
 * |-------|------------------------------------------------------------------------|
 * | 4     | identification number, 8 BCD digits, least significant byte first      |
 * | 2     | manufacturer, LSB first: three letters of 5 bits each (A = 1)          |
 * | 1     | version                                                                |
 * | 1     | device type (medium)                                                   |
 * | 1     | access number                                                          |
 * | 1     | status                                                                 |
 * | 2     | configuration field, LSB first: bits 8–12 security mode, bits 4–7      |
 * |       | number of encrypted 16-byte blocks (mode 5)                            |
 *
 * The first eight bytes, exactly as sent, are the meter's address; with eight copies of the access
 * number they form the AES-CBC IV of mode 5, in the order manufacturer, identification, version, medium.
 */

export const OMS_CI_LONG_HEADER = 0x5b;
export const OMS_LONG_HEADER_LENGTH = 12;
export const OMS_MODE_AES_CBC = 5;
export const OMS_BLOCK_LENGTH = 16;

const MODE_SHIFT = 8;
const MODE_MASK = 0x1f;
const BLOCKS_SHIFT = 4;
const BLOCKS_MASK = 0x0f;

export type OmsLongHeader = {
  /** The 12 header bytes as sent (a view into the frame's data). */
  readonly raw: Uint8Array;
  /** The identification number as printed on the meter: the BCD digits, most significant first. */
  readonly identification: string;
  /** False when a nibble is not a decimal digit (some manufacturers send hex); `identification` is hex then. */
  readonly identificationIsBcd: boolean;
  readonly manufacturer: string;
  readonly manufacturerCode: number;
  readonly version: number;
  readonly medium: number;
  readonly accessNumber: number;
  readonly status: number;
  readonly configuration: number;
  readonly mode: number;
  /** Bytes of ciphertext (blocks × 16) right after the header. */
  readonly encryptedLength: number;
};

const hex2 = (n: number): string => n.toString(16).padStart(2, '0').toUpperCase();

/** Letters outside A–Z show as '?', so a damaged code is visible, not silently another manufacturer. */
export function manufacturerLetters(code: number): string {
  let text = '';
  for (const shift of [10, 5, 0]) {
    const letter = (code >> shift) & 0x1f;
    text += letter >= 1 && letter <= 26 ? String.fromCharCode(0x40 + letter) : '?';
  }
  return text;
}

/** The 2-byte code of three letters A–Z; undefined for anything else. */
export function manufacturerCode(letters: string): number | undefined {
  if (!/^[A-Z]{3}$/.test(letters)) return undefined;
  return (
    ((letters.charCodeAt(0) - 0x40) << 10) |
    ((letters.charCodeAt(1) - 0x40) << 5) |
    (letters.charCodeAt(2) - 0x40)
  );
}

/**
 * Parses the header of an M-Bus frame's data (the bytes after CI). Only mode 5 is accepted: mode 0 (no
 * encryption) and the other modes of EN 13757-7 are not what the Austrian meters send.
 */
export function parseOmsLongHeader(ciField: number, data: Uint8Array): OmsLongHeader {
  if (ciField !== OMS_CI_LONG_HEADER) {
    throw new MeterError(
      'UNSUPPORTED',
      `M-Bus CI field 0x${hex2(ciField)} is not the EN 13757-3 long header 0x5B of an OMS meter`,
    );
  }
  if (data.length < OMS_LONG_HEADER_LENGTH) {
    throw new MeterError(
      'TRUNCATED',
      `OMS long header: needs ${OMS_LONG_HEADER_LENGTH} bytes after CI 0x5B, only ${data.length} there`,
    );
  }
  const b = (i: number): number => data[i] as number;
  let identification = '';
  let identificationIsBcd = true;
  for (let i = 3; i >= 0; i--) {
    if ((b(i) & 0x0f) > 9 || b(i) >> 4 > 9) identificationIsBcd = false;
    identification += hex2(b(i));
  }
  const code = b(4) | (b(5) << 8);
  const configuration = b(10) | (b(11) << 8);
  const mode = (configuration >> MODE_SHIFT) & MODE_MASK;
  if (mode !== OMS_MODE_AES_CBC) {
    throw new MeterError(
      'UNSUPPORTED',
      `OMS security mode ${mode} is not supported (configuration field 0x${hex2(b(11))}${hex2(b(10))}; ` +
        'only mode 5, AES-128-CBC, as the Siemens AMIS meters send)',
    );
  }
  const blocks = (configuration >> BLOCKS_SHIFT) & BLOCKS_MASK;
  if (blocks === 0) {
    throw new MeterError(
      'FRAME_INVALID',
      'OMS mode 5 header says that no block is encrypted: a meter reading is never sent in clear in mode 5',
    );
  }
  const encryptedLength = blocks * OMS_BLOCK_LENGTH;
  const available = data.length - OMS_LONG_HEADER_LENGTH;
  if (encryptedLength > available) {
    throw new MeterError(
      'TRUNCATED',
      `OMS mode 5: the header announces ${blocks} encrypted blocks (${encryptedLength} bytes), only ${available} bytes follow`,
    );
  }
  return {
    raw: data.subarray(0, OMS_LONG_HEADER_LENGTH),
    identification,
    identificationIsBcd,
    manufacturer: manufacturerLetters(code),
    manufacturerCode: code,
    version: b(6),
    medium: b(7),
    accessNumber: b(8),
    status: b(9),
    configuration,
    mode,
    encryptedLength,
  };
}
