import { type Cipher, createCipheriv } from 'node:crypto';

/** AES-CTR with GCM's counter blocks: all of DLMS decryption for a telegram without a tag (decrypt.ts). */

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

const IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** target[i] ^= data[i]; four bytes at a time where target is aligned (the cipher's fresh output is). */
function xorInto(target: Uint8Array, data: Uint8Array): void {
  const length = data.length;
  let i = 0;
  if (target.byteOffset % 4 === 0 && length >= 16) {
    const words = length >>> 2;
    const out = new Int32Array(target.buffer, target.byteOffset, words);
    // The data read in the machine's byte order, which is the Int32Array's.
    const source = new DataView(data.buffer, data.byteOffset, length);
    for (let w = 0; w < words; w++) out[w] = (out[w] as number) ^ source.getInt32(w * 4, IS_LITTLE_ENDIAN);
    i = words * 4;
  }
  for (; i < length; i++) target[i] = (target[i] as number) ^ (data[i] as number);
}
