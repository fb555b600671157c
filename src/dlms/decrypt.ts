import { createDecipheriv } from 'node:crypto';
import { MeterError } from '../errors.js';
import { aesCtr } from './aes-ctr.js';
import { DLMS_SC_AUTHENTICATION, DLMS_SC_ENCRYPTION } from './apdu-tags.js';
import type { CipheredApdu } from './glo-ciphering.js';

/**
 * AES-128-GCM as DLMS uses it: IV = system title (8) ‖ frame counter (4).
 *
 * Without a tag (security control 0x20/0x21, every Kaifa M-Bus capture) GCM decryption is plain
 * AES-CTR starting at counter block IV ‖ 00000002; Node's GCM `final()` would throw for want of a
 * tag, so CTR is used directly. With a tag (0x30/0x31) and an authentication key, the tag is checked
 * with AAD = security control ‖ authentication key, and nothing is returned unless it verifies.
 *
 * A tag without an authentication key is decrypted unchecked (`tagUnchecked`), as a telegram without a tag
 * (security control 0x20) always is: the plaintext must then parse, and the key evidence decides between a
 * wrong key and damage (decoder/key-evidence.ts). Refusing it would vouch for nothing more, and would lock
 * out the users whose operator hands out only the encryption key although the meter signs (the AM550 frames
 * of KNG-Kärnten Netz that peers read with one key); the decoder's users are told once that a key is missing.
 */

export type DlmsKeys = {
  readonly encryptionKey?: Uint8Array | undefined;
  readonly authenticationKey?: Uint8Array | undefined;
};

export type Decrypted = {
  readonly plaintext: Uint8Array;
  /** True only when a GCM tag was checked: the key is then known to be right. */
  readonly authenticated: boolean;
  /** The meter sent a tag, and it was not checked for want of an authentication key. */
  readonly tagUnchecked: boolean;
  readonly encrypted: boolean;
};

export { aesCtr } from './aes-ctr.js';

export function gcmIv(systemTitle: Uint8Array, frameCounter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.set(systemTitle, 0);
  iv.writeUInt32BE(frameCounter, 8);
  return iv;
}

/** The IV of the telegram being decrypted: aesCtr copies it into its counter blocks at once. */
const ivScratch = new Uint8Array(12);

function authData(securityControl: number, authenticationKey: Uint8Array, extra?: Uint8Array): Buffer {
  return Buffer.concat([
    Uint8Array.of(securityControl),
    authenticationKey,
    ...(extra === undefined ? [] : [extra]),
  ]);
}

export function decryptGloCiphered(apdu: CipheredApdu, keys: DlmsKeys): Decrypted {
  const sc = apdu.securityControl;
  const encrypted = (sc & DLMS_SC_ENCRYPTION) !== 0;
  const hasTag = (sc & DLMS_SC_AUTHENTICATION) !== 0 && apdu.tag !== undefined;
  const ek = keys.encryptionKey;
  const ak = keys.authenticationKey;
  const tagUnchecked = hasTag && ak === undefined;

  if (!encrypted) {
    if (!hasTag || ek === undefined || ak === undefined) {
      return { plaintext: apdu.content, authenticated: false, encrypted: false, tagUnchecked };
    }
    verifyGcm(ek, apdu, authData(sc, ak, apdu.content), new Uint8Array(0));
    return { plaintext: apdu.content, authenticated: true, encrypted: false, tagUnchecked: false };
  }
  if (ek === undefined) {
    throw new MeterError(
      'NO_KEY',
      "the telegram is encrypted and no key was given: the 32 hex digits from your grid operator go in --key HEX, the SERIAL_KEY variable, or the add-on's key option",
    );
  }
  if (!hasTag || ak === undefined) {
    const iv = ivScratch;
    iv.set(apdu.systemTitle, 0);
    const fc = apdu.frameCounter;
    iv[8] = fc >>> 24;
    iv[9] = (fc >>> 16) & 0xff;
    iv[10] = (fc >>> 8) & 0xff;
    iv[11] = fc & 0xff;
    return { plaintext: aesCtr(ek, iv, apdu.content), authenticated: false, encrypted: true, tagUnchecked };
  }
  return {
    plaintext: verifyGcm(ek, apdu, authData(sc, ak), apdu.content),
    authenticated: true,
    encrypted: true,
    tagUnchecked: false,
  };
}

function verifyGcm(key: Uint8Array, apdu: CipheredApdu, aad: Buffer, ciphertext: Uint8Array): Uint8Array {
  const decipher = createDecipheriv('aes-128-gcm', key, gcmIv(apdu.systemTitle, apdu.frameCounter), {
    authTagLength: 12,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(apdu.tag as Uint8Array);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    throw new MeterError(
      'AUTH_FAILED',
      'the GCM authentication tag does not verify: the key or the authentication key is wrong, or the telegram was altered',
    );
  }
  return plaintext;
}

/**
 * Said once to a user whose meter signs its telegrams while no authentication key is configured: the values
 * are read, but the one proof a meter offers is left unused.
 */
export function uncheckedTagNotice(systemTitle: string): string {
  return (
    `This meter (system title ${systemTitle}) signs its telegrams with an authentication tag, and no ` +
    'authentication key was given: its telegrams are decrypted and checked as unsigned ones are, but the tag ' +
    'is not verified. Operators whose meters sign (e.g. Netz Burgenland, Energienetze Steiermark) hand out an ' +
    'authentication key (AK, sometimes GAK) together with the encryption key (EK/GUEK), in the same letter or ' +
    "customer portal: enter it as the add-on's auth_key option, --auth-key HEX, or the AUTH_KEY variable."
  );
}
