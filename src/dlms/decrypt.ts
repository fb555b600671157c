import { type Cipher, createCipheriv, createDecipheriv } from 'node:crypto';
import { MeterError } from '../errors.js';
import { DLMS_SC_AUTHENTICATION, DLMS_SC_ENCRYPTION } from './apdu-tags.js';
import type { CipheredApdu } from './glo-ciphering.js';

/**
 * AES-128-GCM as DLMS uses it: IV = system title (8) ‖ frame counter (4).
 *
 * Without a tag (security control 0x20/0x21, every Kaifa M-Bus capture) GCM decryption is plain
 * AES-CTR starting at counter block IV ‖ 00000002; Node's GCM `final()` would throw for want of a
 * tag, so CTR is used directly. With a tag (0x30/0x31) and an authentication key, the tag is checked
 * with AAD = security control ‖ authentication key, and nothing is returned unless it verifies.
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

export function gcmIv(systemTitle: Uint8Array, frameCounter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.set(systemTitle, 0);
  iv.writeUInt32BE(frameCounter, 8);
  return iv;
}

/**
 * One AES-128-ECB cipher per key, kept: CTR mode's keystream is AES of the counter blocks, and building a
 * cipher object was the dearest step of decoding a telegram (about a tenth of the decoder's time). Keyed by
 * the key's own array, which the bridge keeps for its lifetime; a WeakMap lets a dropped key go.
 */
const blockCiphers = new WeakMap<Uint8Array, Cipher>();

function blockCipher(key: Uint8Array): Cipher {
  let cipher = blockCiphers.get(key);
  if (cipher === undefined) {
    cipher = createCipheriv('aes-128-ecb', key, null);
    cipher.setAutoPadding(false);
    blockCiphers.set(key, cipher);
  }
  return cipher;
}

const AES_BLOCK = 16;
/** GCM's first counter value for the payload (NIST SP 800-38D: J0 is IV ‖ 1, the data starts at inc32(J0)). */
const FIRST_COUNTER = 2;

/**
 * Counter blocks, kept from one telegram to the next (grown when a longer one comes): each block's counter
 * (bytes 12..15) is the same every time, and its system title (0..7) is as long as the meter is; only the
 * frame counter (8..11) changes. `readyBlocks` blocks hold the title in bytes 0..7 of `counterBlocks`.
 */
let counterBlocks = new Uint8Array(32 * AES_BLOCK);
let readyBlocks = 0;

/**
 * AES-CTR with GCM's counter blocks IV ‖ 00000002, 00000003, …; its own inverse: the same function
 * encrypts (the simulator) and decrypts. `iv` is 12 bytes.
 */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const length = data.length;
  const blocks = Math.ceil(length / AES_BLOCK);
  const size = blocks * AES_BLOCK;
  if (counterBlocks.length < size) {
    counterBlocks = new Uint8Array(size);
    readyBlocks = 0;
  }
  const counters = counterBlocks;
  for (let j = 0; j < 8 && readyBlocks > 0; j++) if (counters[j] !== iv[j]) readyBlocks = 0;
  for (let b = 0, at = 0; b < blocks; b++, at += AES_BLOCK) {
    if (b >= readyBlocks) {
      for (let j = 0; j < 8; j++) counters[at + j] = iv[j] as number;
      const counter = (FIRST_COUNTER + b) >>> 0;
      counters[at + 12] = counter >>> 24;
      counters[at + 13] = (counter >>> 16) & 0xff;
      counters[at + 14] = (counter >>> 8) & 0xff;
      counters[at + 15] = counter & 0xff;
    }
    counters[at + 8] = iv[8] as number;
    counters[at + 9] = iv[9] as number;
    counters[at + 10] = iv[10] as number;
    counters[at + 11] = iv[11] as number;
  }
  if (blocks > readyBlocks) readyBlocks = blocks;
  // Whole blocks in, whole blocks out: ECB returns them at once and never needs final(). The keystream is
  // a fresh buffer of our own, so the data is XORed into it rather than into one more copy.
  const stream = blockCipher(key).update(new Uint8Array(counters.buffer, 0, size));
  xorInto(stream, data);
  return new Uint8Array(stream.buffer, stream.byteOffset, length);
}

/** target[i] ^= data[i]; four bytes at a time where target is aligned (the cipher's fresh output is). */
function xorInto(target: Uint8Array, data: Uint8Array): void {
  const length = data.length;
  let i = 0;
  if (target.byteOffset % 4 === 0 && length >= 16) {
    const words = length >>> 2;
    const out = new Int32Array(target.buffer, target.byteOffset, words);
    // Both little-endian: Int32Array is in the machine's order, which is little-endian on every Node target.
    const source = new DataView(data.buffer, data.byteOffset, length);
    for (let w = 0; w < words; w++) out[w] = (out[w] as number) ^ source.getInt32(w * 4, IS_LITTLE_ENDIAN);
    i = words * 4;
  }
  for (; i < length; i++) target[i] = (target[i] as number) ^ (data[i] as number);
}

const IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

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
