import { ByteReader } from '../bytes/byte-reader.js';
import { MeterError } from '../errors.js';
import { readBerLength } from './ber-length.js';

/**
 * general-glo-ciphering APDU (IEC 62056-5-3, Green Book):
 *
 * | bytes | field                                                              |
 * |-------|--------------------------------------------------------------------|
 * | 1     | tag 0xDB                                                           |
 * | 1     | system title length, 8                                             |
 * | 8     | system title: 3-letter manufacturer (KFM, SAG…) + 5 bytes          |
 * | 1–5   | BER length of everything that follows                              |
 * | 1     | security control: suite (bits 3..0), A (bit 4), E (bit 5), key set (bit 6), compression (bit 7) |
 * | 4     | frame counter (invocation counter), big endian                     |
 * | n     | ciphertext                                                         |
 * | 12    | GCM tag, only when A is set                                        |
 */

export const DLMS_GLO_CIPHERING = 0xdb;
export const DLMS_DATA_NOTIFICATION = 0x0f;
export const DLMS_SYSTEM_TITLE_LENGTH = 8;
export const DLMS_GCM_TAG_LENGTH = 12;
export const SC_AUTHENTICATION = 0x10;
export const SC_ENCRYPTION = 0x20;
const SC_COMPRESSION = 0x80;
const SC_SUITE_MASK = 0x0f;
/** Suites 0 and 1 use AES-128-GCM; suite 2 would be AES-256. */
const SC_MAX_SUITE = 1;

export type CipheredApdu = {
  readonly systemTitle: Uint8Array;
  readonly securityControl: number;
  readonly frameCounter: number;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array | undefined;
};

const APDU_NAMES: Readonly<Record<number, string>> = {
  223: 'general-ded-ciphering',
  221: 'general-ciphering',
  224: 'general-block-transfer',
  194: 'event-notification-request',
  220: 'general-signing',
};

export function describeApduTag(tag: number): string {
  const name = APDU_NAMES[tag];
  const hex = `0x${tag.toString(16).padStart(2, '0').toUpperCase()}`;
  return name === undefined ? `APDU tag ${hex}` : `${name} APDU (${hex})`;
}

export function parseGeneralGloCiphering(apdu: Uint8Array): CipheredApdu {
  const reader = new ByteReader(apdu);
  const tag = reader.u8('APDU tag');
  if (tag !== DLMS_GLO_CIPHERING) {
    throw new MeterError(
      'UNSUPPORTED',
      `${describeApduTag(tag)} is not supported (expected general-glo-ciphering 0xDB)`,
    );
  }
  const titleLength = reader.u8('system title length');
  if (titleLength !== DLMS_SYSTEM_TITLE_LENGTH) {
    throw new MeterError('FRAME_INVALID', `system title length is ${titleLength}, expected 8`);
  }
  const systemTitle = reader.take(DLMS_SYSTEM_TITLE_LENGTH, 'system title');
  const length = readBerLength(reader, 'ciphered content length', 'FRAME_INVALID');
  if (length > reader.remaining) {
    throw new MeterError(
      'TRUNCATED',
      `ciphered content announces ${length} bytes but only ${reader.remaining} arrived (a segment is missing or cut short)`,
    );
  }
  if (length < reader.remaining) {
    throw new MeterError('FRAME_INVALID', `${reader.remaining - length} byte(s) follow the ciphered content`);
  }
  const securityControl = reader.u8('security control');
  if ((securityControl & SC_COMPRESSION) !== 0) {
    throw new MeterError(
      'UNSUPPORTED',
      `security control 0x${hex8(securityControl)}: compressed APDUs are not supported`,
    );
  }
  if ((securityControl & SC_SUITE_MASK) > SC_MAX_SUITE) {
    throw new MeterError(
      'UNSUPPORTED',
      `security control 0x${hex8(securityControl)}: security suite ${securityControl & SC_SUITE_MASK} is not supported (only suites 0 and 1, AES-128-GCM)`,
    );
  }
  const frameCounter = reader.u32('frame counter');
  let body = reader.rest();
  let tagBytes: Uint8Array | undefined;
  if ((securityControl & SC_AUTHENTICATION) !== 0) {
    if (body.length < DLMS_GCM_TAG_LENGTH) {
      throw new MeterError(
        'TRUNCATED',
        `authenticated APDU is shorter than its ${DLMS_GCM_TAG_LENGTH}-byte tag`,
      );
    }
    tagBytes = body.subarray(body.length - DLMS_GCM_TAG_LENGTH);
    body = body.subarray(0, body.length - DLMS_GCM_TAG_LENGTH);
  }
  return { systemTitle, securityControl, frameCounter, ciphertext: body, tag: tagBytes };
}

function hex8(value: number): string {
  return value.toString(16).padStart(2, '0').toUpperCase();
}
