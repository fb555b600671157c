import {
  DLMS_GCM_TAG_LENGTH,
  DLMS_GLO_CIPHERING,
  DLMS_SC_AUTHENTICATION,
  DLMS_SC_COMPRESSION,
  DLMS_SC_ENCRYPTION,
  DLMS_SC_MAX_SUITE,
  DLMS_SC_SUITE_MASK,
  DLMS_SYSTEM_TITLE_LENGTH,
} from './apdu-tags.js';

/**
 * A general-glo-ciphering APDU sent on the line as it is, with no frame around it (the P1 port of the
 * Sagemcom T210-D-r): `DB 08 <system title> <BER length> <SC> <frame counter> … [tag]`. Nothing but its
 * length says where it ends, and no checksum says that it is one: this only finds where one could be.
 * The decoder's APDU path proves it (decoder/apdu-path.ts).
 */

/** Far above a T210-D-r push (some 530 bytes around its 481-byte DSMR text); what a candidate may announce. */
export const BARE_APDU_MAX_CONTENT = 4096;
/** Tag, title length, title: the BER length comes after these. */
const LENGTH_AT = 2 + DLMS_SYSTEM_TITLE_LENGTH;
/** Security control and frame counter. */
const SECURITY_HEADER = 5;

export type BareApduFrame = {
  /** The whole APDU (a copy: safe to keep). */
  readonly raw: Uint8Array;
  readonly systemTitle: Uint8Array;
};

/**
 * The whole length of the APDU that would start at `at`: a number, `'more'` while the bytes that decide
 * it have not all arrived, or `'none'` when `at` does not start one. Reads at most 16 bytes to decide.
 */
export function bareApduLength(data: Uint8Array, at: number): number | 'more' | 'none' {
  const n = data.length;
  if (data[at] !== DLMS_GLO_CIPHERING) return 'none';
  if (at + 1 >= n) return 'more';
  if (data[at + 1] !== DLMS_SYSTEM_TITLE_LENGTH) return 'none';
  if (at + LENGTH_AT >= n) return 'more';
  const first = data[at + LENGTH_AT] as number;
  let lengthBytes = 1;
  let content = first;
  if (first >= 0x80) {
    lengthBytes = 1 + (first & 0x7f);
    if (first !== 0x81 && first !== 0x82) return 'none';
    if (at + LENGTH_AT + lengthBytes > n) return 'more';
    content = 0;
    for (let i = 1; i < lengthBytes; i++) content = content * 256 + (data[at + LENGTH_AT + i] as number);
  }
  const sc = data[at + LENGTH_AT + lengthBytes];
  if (sc === undefined) return 'more';
  if (
    (sc & DLMS_SC_COMPRESSION) !== 0 ||
    (sc & DLMS_SC_SUITE_MASK) > DLMS_SC_MAX_SUITE ||
    (sc & (DLMS_SC_ENCRYPTION | DLMS_SC_AUTHENTICATION)) === 0
  ) {
    return 'none';
  }
  const least = SECURITY_HEADER + ((sc & DLMS_SC_AUTHENTICATION) !== 0 ? DLMS_GCM_TAG_LENGTH : 0) + 1;
  if (content < least || content > BARE_APDU_MAX_CONTENT) return 'none';
  const total = LENGTH_AT + lengthBytes + content;
  return at + total > n ? 'more' : total;
}

/**
 * Whether the APDU at `at` sits inside an HDLC or M-Bus frame (after LLC `E6 E7 00`/`E6 E6 00`, or after
 * `68 L L 68 C A CI STSAP DTSAP`): then it belongs to that framing, whose checks prove it, not to this one.
 * `before(k)` is the byte k places before `at` (1 = the one just before), undefined before the stream.
 */
export function insideFrame(before: (k: number) => number | undefined): boolean {
  if (before(1) === 0x00 && before(2) === 0xe7 && before(3) === 0xe6) return true;
  if (before(1) === 0x00 && before(2) === 0xe6 && before(3) === 0xe6) return true;
  return before(9) === 0x68 && before(6) === 0x68 && before(8) === before(7);
}
