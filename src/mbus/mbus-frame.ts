/**
 * EN 13757-2 long frame, as the meter's customer interface sends it:
 *
 * | bytes | field                                                       |
 * |-------|-------------------------------------------------------------|
 * | 1     | start 0x68                                                  |
 * | 1 + 1 | L, L again: bytes from C up to (excluding) CS               |
 * | 1     | start 0x68                                                  |
 * | 1     | C field (0x53 SND_UD in every capture)                      |
 * | 1     | A field (0xFF broadcast)                                    |
 * | 1     | CI field (DLMS transport: FIN bit + segment sequence number)|
 * | L − 3 | data: STSAP, DTSAP, APDU segment                            |
 * | 1     | CS: sum of C..last data byte, mod 256                       |
 * | 1     | stop 0x16                                                   |
 *
 * The Sagemcom T210-D (one firmware) sends a first frame whose L has wrapped: `68 01 01 68` with a
 * 257-byte body (EVN captures in test/fixtures/vectors.json). `lengthOverflow` marks such a frame.
 */

export const MBUS_LONG_START = 0x68;
export const MBUS_STOP = 0x16;
export const MBUS_SHORT_START = 0x10;
export const MBUS_ACK = 0xe5;
export const MBUS_HEADER_LENGTH = 4;
/** C, A and CI: the least a long frame can carry. */
export const MBUS_MIN_BODY = 3;
/** A wrapped length is only believed for bodies up to 5 + 255 bytes (one full DLMS segment). */
export const MBUS_MAX_OVERFLOW_BODY = 260;
export const MBUS_MAX_FRAME_LENGTH = MBUS_HEADER_LENGTH + MBUS_MAX_OVERFLOW_BODY + 2;

export type MbusFrame = {
  /** The whole frame, start byte to stop byte (a copy, in a shared block: safe to keep, not to write). */
  readonly raw: Uint8Array;
  readonly cField: number;
  readonly aField: number;
  readonly ciField: number;
  /** The bytes after CI up to the checksum: STSAP, DTSAP and the APDU segment for DLMS. */
  readonly data: Uint8Array;
  readonly lengthOverflow: boolean;
};

export function mbusChecksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i] as number;
  return sum & 0xff;
}

/** Builds the frame object from a long frame already checked by the framer. */
export function mbusFrameFromRaw(raw: Uint8Array, lengthOverflow: boolean): MbusFrame {
  return {
    raw,
    cField: raw[4] as number,
    aField: raw[5] as number,
    ciField: raw[6] as number,
    data: raw.subarray(7, raw.length - 2),
    lengthOverflow,
  };
}
