import { createDecipheriv } from 'node:crypto';
import { MeterError, WRONG_KEY_ADVICE } from '../errors.js';
import { OMS_BLOCK_LENGTH, OMS_LONG_HEADER_LENGTH, type OmsLongHeader } from './oms-header.js';

/**
 * OMS security mode 5 (EN 13757-7): AES-128-CBC, no padding, over the number of blocks the configuration
 * field names; bytes after them, if any, are unencrypted records. The plaintext starts with two idle
 * fillers 2F 2F: that is the only check CBC offers, so it decides between a key that fits and one that
 * does not, together with what is known about this meter (OmsKeyEvidence).
 */

/** The 8 address bytes M(2) ‖ ID(4) ‖ version ‖ medium, in IV order; also what identifies the meter. */
export const OMS_ADDRESS_LENGTH = 8;
export const OMS_IDLE_FILLER = 0x2f;

/**
 * What the decoder knows about a key and a meter, in the shape of src/decoder/key-evidence.ts's
 * KeyEvidence: `prove` after a telegram of this meter decoded, `keyFits` when one did not start 2F 2F.
 * The OMS address is 8 bytes, as a DLMS system title is, so one evidence store can serve both.
 */
export type OmsKeyEvidence = {
  prove(address: Uint8Array): void;
  keyFits(address: Uint8Array, plaintext: Uint8Array): boolean;
};

export type OmsDecrypted = {
  /** Decrypted blocks, then the unencrypted bytes that followed them. */
  readonly plaintext: Uint8Array;
  /** M ‖ ID ‖ version ‖ medium: the meter's identity for OmsKeyEvidence. */
  readonly address: Uint8Array;
};

/** The header's address bytes reordered: manufacturer first, then identification, version and medium. */
export function omsAddress(header: OmsLongHeader): Uint8Array {
  const r = header.raw;
  return Uint8Array.of(
    r[4] as number,
    r[5] as number,
    r[0] as number,
    r[1] as number,
    r[2] as number,
    r[3] as number,
    r[6] as number,
    r[7] as number,
  );
}

export function omsIv(header: OmsLongHeader): Buffer {
  const iv = Buffer.alloc(OMS_BLOCK_LENGTH, header.accessNumber);
  iv.set(omsAddress(header), 0);
  return iv;
}

/** Starts 2F 2F, as EN 13757-7 requires of a mode 5 plaintext. */
export function startsWithFillers(plaintext: Uint8Array): boolean {
  return plaintext[0] === OMS_IDLE_FILLER && plaintext[1] === OMS_IDLE_FILLER;
}

/**
 * Decrypts the bytes after the header. Throws NO_KEY without a key, WRONG_KEY when the plaintext does
 * not start 2F 2F and nothing says the key fits, FRAME_INVALID when something does (a telegram damaged
 * on the way: CBC spreads a flipped ciphertext bit over its whole block).
 */
export function decryptOmsMode5(
  header: OmsLongHeader,
  data: Uint8Array,
  key: Uint8Array | undefined,
  evidence?: OmsKeyEvidence,
): OmsDecrypted {
  if (key === undefined) {
    throw new MeterError(
      'NO_KEY',
      "the OMS telegram is encrypted (mode 5) and no key was given: the 32 hex digits from your grid operator go in --key HEX, the SERIAL_KEY variable, or the add-on's key option",
    );
  }
  if (key.length !== 16) {
    throw new MeterError('CONFIG_INVALID', `an AES-128 key is 16 bytes, this one has ${key.length}`);
  }
  const start = OMS_LONG_HEADER_LENGTH;
  const end = start + header.encryptedLength;
  if (data.length < end) {
    throw new MeterError(
      'TRUNCATED',
      `OMS mode 5: ${header.encryptedLength} encrypted bytes announced, ${Math.max(0, data.length - start)} there`,
    );
  }
  const decipher = createDecipheriv('aes-128-cbc', key, omsIv(header));
  decipher.setAutoPadding(false);
  // Whole blocks only (the header parser checked the count), so update() returns every one of them.
  const decrypted = decipher.update(data.subarray(start, end));
  const plaintext = new Uint8Array(decrypted.length + data.length - end);
  plaintext.set(decrypted, 0);
  plaintext.set(data.subarray(end), decrypted.length);
  const address = omsAddress(header);
  if (!startsWithFillers(plaintext)) {
    if (evidence?.keyFits(address, plaintext) === true) throw damaged(header);
    throw omsWrongKey(header);
  }
  return { plaintext, address };
}

function meterName(header: OmsLongHeader): string {
  return `${header.manufacturer} ${header.identification} (access number ${header.accessNumber})`;
}

function damaged(header: OmsLongHeader): MeterError {
  return new MeterError(
    'FRAME_INVALID',
    `The OMS telegram from meter ${meterName(header)} was damaged on the way (its plaintext does not start ` +
      '2F 2F); the key fits this meter. One telegram is lost; if this happens often, check the cable and its contacts.',
  );
}

/**
 * The words of the DLMS path's WRONG_KEY (src/decoder/apdu-decoder.ts), so that a user reads the same
 * advice whichever meter they have.
 */
export function omsWrongKey(header: OmsLongHeader): MeterError {
  return new MeterError(
    'WRONG_KEY',
    `The key does not fit this meter: the OMS telegram from meter ${meterName(header)} ` +
      'decrypted to data that is not M-Bus records (they start 2F 2F). ' +
      WRONG_KEY_ADVICE,
  );
}
