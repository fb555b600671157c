import { createCipheriv } from 'node:crypto';
import {
  DLMS_DATA_NOTIFICATION,
  DLMS_GCM_TAG_LENGTH,
  DLMS_GLO_CIPHERING,
  DLMS_SC_AUTHENTICATION,
  DLMS_SC_ENCRYPTION,
  DLMS_SYSTEM_TITLE_LENGTH,
} from '../dlms/apdu-tags.js';
import { encodeBerLength } from '../dlms/ber-length.js';
import { aesCtr, gcmIv } from '../dlms/decrypt.js';
import { MBUS_LONG_START, MBUS_STOP, mbusChecksum } from '../mbus/mbus-frame.js';
import { DLMS_CI_FIN } from '../mbus/segment-reassembler.js';

/**
 * What a meter does, in reverse of the decoder: data-notification → general-glo-ciphering → DLMS
 * segments → M-Bus long frames. Used by the simulator and by tests, and checked byte for byte
 * against real captures (test/unit/telegram-encoder.test.ts).
 */

export const MBUS_C_SND_UD = 0x53;
export const MBUS_A_BROADCAST = 0xff;
export const DLMS_STSAP_MANAGEMENT = 0x01;
export const DLMS_DTSAP_PUSH = 0x67;
/** Kaifa and most meters: frame L = 0xFA. The T210-D variant with a wrapped length uses 252. */
export const DEFAULT_SEGMENT_SIZE = 245;

export function encodeDataNotification(
  longInvokeIdAndPriority: number,
  dateTime: Uint8Array | undefined,
  body: Uint8Array,
): Uint8Array {
  const header = Buffer.alloc(5);
  header[0] = DLMS_DATA_NOTIFICATION;
  header.writeUInt32BE(longInvokeIdAndPriority >>> 0, 1);
  const dt =
    dateTime === undefined ? Uint8Array.of(0) : Buffer.concat([Uint8Array.of(dateTime.length), dateTime]);
  return Buffer.concat([header, dt, body]);
}

export type GloCipheringInput = {
  readonly systemTitle: Uint8Array;
  readonly frameCounter: number;
  /** 0x20/0x21 encryption only; 0x30/0x31 with a GCM tag (needs authenticationKey). */
  readonly securityControl: number;
  readonly encryptionKey: Uint8Array;
  readonly authenticationKey?: Uint8Array;
  readonly plaintext: Uint8Array;
};

export function encodeGloCiphering(input: GloCipheringInput): Uint8Array {
  if (input.systemTitle.length !== DLMS_SYSTEM_TITLE_LENGTH)
    throw new RangeError('system title must be 8 bytes');
  const sc = input.securityControl;
  const iv = gcmIv(input.systemTitle, input.frameCounter);
  let body: Uint8Array;
  if ((sc & DLMS_SC_AUTHENTICATION) !== 0) {
    const ak = input.authenticationKey;
    if (ak === undefined)
      throw new RangeError('security control with authentication needs an authentication key');
    const cipher = createCipheriv('aes-128-gcm', input.encryptionKey, iv, {
      authTagLength: DLMS_GCM_TAG_LENGTH,
    });
    const encrypted = (sc & DLMS_SC_ENCRYPTION) !== 0;
    cipher.setAAD(Buffer.concat([Uint8Array.of(sc), ak, ...(encrypted ? [] : [input.plaintext])]));
    // Authentication only (no E bit): the plaintext travels as is and only feeds the tag.
    const ciphertext = encrypted ? cipher.update(input.plaintext) : input.plaintext;
    const rest = cipher.final();
    body = Buffer.concat([ciphertext, rest, cipher.getAuthTag()]);
  } else if ((sc & DLMS_SC_ENCRYPTION) !== 0) {
    body = aesCtr(input.encryptionKey, iv, input.plaintext);
  } else {
    body = input.plaintext;
  }
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(input.frameCounter >>> 0);
  const content = Buffer.concat([Uint8Array.of(sc), counter, body]);
  return Buffer.concat([
    Uint8Array.of(DLMS_GLO_CIPHERING, DLMS_SYSTEM_TITLE_LENGTH),
    input.systemTitle,
    encodeBerLength(content.length),
    content,
  ]);
}

/** One long frame; a body over 255 bytes gets the T210-D's wrapped length byte (L mod 256). */
export function encodeMbusLongFrame(ciField: number, data: Uint8Array, cField = MBUS_C_SND_UD): Uint8Array {
  const bodyLength = 3 + data.length;
  const frame = Buffer.alloc(bodyLength + 6);
  frame[0] = MBUS_LONG_START;
  frame[1] = bodyLength & 0xff;
  frame[2] = bodyLength & 0xff;
  frame[3] = MBUS_LONG_START;
  frame[4] = cField;
  frame[5] = MBUS_A_BROADCAST;
  frame[6] = ciField;
  frame.set(data, 7);
  frame[4 + bodyLength] = mbusChecksum(frame, 4, 4 + bodyLength);
  frame[5 + bodyLength] = MBUS_STOP;
  return frame;
}

/** Splits an APDU into DLMS/M-Bus transport segments: CI = sequence number, FIN on the last. */
export function encodeMbusSegments(apdu: Uint8Array, segmentSize = DEFAULT_SEGMENT_SIZE): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const count = Math.max(1, Math.ceil(apdu.length / segmentSize));
  if (count > 16) throw new RangeError('an APDU of more than 16 segments cannot be sent');
  for (let i = 0; i < count; i++) {
    const segment = apdu.subarray(i * segmentSize, (i + 1) * segmentSize);
    const ci = i | (i === count - 1 ? DLMS_CI_FIN : 0);
    frames.push(
      encodeMbusLongFrame(
        ci,
        Buffer.concat([Uint8Array.of(DLMS_STSAP_MANAGEMENT, DLMS_DTSAP_PUSH), segment]),
      ),
    );
  }
  return frames;
}
