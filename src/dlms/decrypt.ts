import { createDecipheriv } from 'node:crypto';
import { toHex } from '../bytes/hex.js';
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
 * A tag without an authentication key is NO_KEY, not a telegram decrypted unchecked: every capture in
 * test/fixtures/vectors.json whose meter sends a tag (Netz Burgenland's E450, the E450 block-transfer
 * pushes) was published together with its authentication key, as the operators hand both out; a user
 * without it has forgotten to enter it, and is told so rather than shown values nothing vouches for.
 */

export type DlmsKeys = {
  readonly encryptionKey?: Uint8Array | undefined;
  readonly authenticationKey?: Uint8Array | undefined;
};

export type Decrypted = {
  readonly plaintext: Uint8Array;
  /** True only when a GCM tag was checked: the key is then known to be right. */
  readonly authenticated: boolean;
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
  if (hasTag && ak === undefined && !(encrypted && ek === undefined)) {
    throw noAuthenticationKey(apdu.systemTitle, sc);
  }

  if (!encrypted) {
    if (!hasTag || ek === undefined || ak === undefined) {
      return { plaintext: apdu.content, authenticated: false, encrypted: false };
    }
    verifyGcm(ek, apdu, authData(sc, ak, apdu.content), new Uint8Array(0));
    return { plaintext: apdu.content, authenticated: true, encrypted: false };
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
    return { plaintext: aesCtr(ek, iv, apdu.content), authenticated: false, encrypted: true };
  }
  return {
    plaintext: verifyGcm(ek, apdu, authData(sc, ak), apdu.content),
    authenticated: true,
    encrypted: true,
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

function noAuthenticationKey(systemTitle: Uint8Array, securityControl: number): MeterError {
  return new MeterError(
    'NO_KEY',
    `This meter (system title ${toHex(systemTitle)}, security control 0x${securityControl.toString(16).padStart(2, '0')}) ` +
      'also sends an authentication tag, and no authentication key was given. Operators whose meters do so ' +
      '(e.g. Netz Burgenland) hand out an authentication key (AK, sometimes GAK) together with the encryption ' +
      "key (EK/GUEK), in the same letter or customer portal: enter it as the add-on's auth_key option, " +
      '--auth-key HEX, or the AUTH_KEY variable.',
  );
}
