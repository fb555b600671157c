import { ByteReader } from '../bytes/byte-reader.js';
import { MeterError } from '../errors.js';
import {
  DLMS_GCM_TAG_LENGTH,
  DLMS_GLO_CIPHERING,
  DLMS_SC_AUTHENTICATION,
  DLMS_SC_COMPRESSION,
  DLMS_SC_MAX_SUITE,
  DLMS_SC_SUITE_MASK,
  DLMS_SYSTEM_TITLE_LENGTH,
  describeApduTag,
} from './apdu-tags.js';
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

export type CipheredApdu = {
  readonly systemTitle: Uint8Array;
  readonly securityControl: number;
  readonly frameCounter: number;
  /** What the security header protects: ciphertext when E is set, the plaintext itself when only A is. */
  readonly content: Uint8Array;
  readonly tag: Uint8Array | undefined;
};

export function decodeGeneralGloCiphering(apdu: Uint8Array): CipheredApdu {
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
  const length = readBerLength(reader, 'ciphered content length');
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
  if ((securityControl & DLMS_SC_COMPRESSION) !== 0) {
    throw new MeterError(
      'UNSUPPORTED',
      `security control 0x${hex8(securityControl)}: compressed APDUs are not supported`,
    );
  }
  if ((securityControl & DLMS_SC_SUITE_MASK) > DLMS_SC_MAX_SUITE) {
    throw new MeterError(
      'UNSUPPORTED',
      `security control 0x${hex8(securityControl)}: security suite ${securityControl & DLMS_SC_SUITE_MASK} is not supported (only suites 0 and 1, AES-128-GCM)`,
    );
  }
  const frameCounter = reader.u32('frame counter');
  let body = reader.rest();
  let tagBytes: Uint8Array | undefined;
  if ((securityControl & DLMS_SC_AUTHENTICATION) !== 0) {
    if (body.length < DLMS_GCM_TAG_LENGTH) {
      throw new MeterError(
        'TRUNCATED',
        `authenticated APDU is shorter than its ${DLMS_GCM_TAG_LENGTH}-byte tag`,
      );
    }
    tagBytes = body.subarray(body.length - DLMS_GCM_TAG_LENGTH);
    body = body.subarray(0, body.length - DLMS_GCM_TAG_LENGTH);
  }
  return { systemTitle, securityControl, frameCounter, content: body, tag: tagBytes };
}

function hex8(value: number): string {
  return value.toString(16).padStart(2, '0').toUpperCase();
}
