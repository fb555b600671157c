import { createDecipheriv } from 'node:crypto';

/**
 * Line noise that the M-Bus checksum cannot see (issue 10), for tests.
 *
 * The checksum of a long frame `68 L L 68 C A CI 01 67 <segment> CS 16` is the 8-bit sum of C .. the last
 * data byte. Flipping bit 7 of a byte changes that sum by ±0x80, so two such flips in one frame always
 * cancel: the frame still passes. With security control 0x20/0x21 there is no GCM tag, and AES-CTR turns
 * a flipped ciphertext bit into the same flipped plaintext bit at the same position, so the noise lands
 * on exactly the plaintext byte under it.
 *
 * Everything here works on the frames a meter sends (`encodeMeterTelegram`, the simulator) and the key:
 * the plaintext is recovered from the frames themselves, so any layout and segment size maps the same way,
 * the T210-D's wrapped first frame (`68 01 01 68`, 257-byte body) included.
 */

/** Start byte, L, L, start byte. */
const HEADER = 4;
/** `68 L L 68 C A CI STSAP DTSAP`: the bytes before a frame's APDU segment. */
const SEGMENT_START = 9;
/** CS and the stop byte. */
const TRAILER = 2;
const BIT7 = 0x80;

export type FrameByte = { readonly frame: number; readonly index: number };
export type ByteRange = { readonly offset: number; readonly length: number };

/** Indexes of the checksummed region of a long frame (C .. last data byte): [start, end). */
export function checksummedRegion(frame: Uint8Array): { readonly start: number; readonly end: number } {
  return { start: HEADER, end: frame.length - TRAILER };
}

export function checksumOk(frame: Uint8Array): boolean {
  const { start, end } = checksummedRegion(frame);
  let sum = 0;
  for (let i = start; i < end; i++) sum += frame[i] as number;
  return (sum & 0xff) === frame[end];
}

function checkFrame(frame: Uint8Array, n: number): void {
  const body = frame.length - HEADER - TRAILER;
  const ok =
    frame.length > SEGMENT_START + TRAILER &&
    frame[0] === 0x68 &&
    frame[3] === 0x68 &&
    frame[1] === frame[2] &&
    // L is the body length mod 256: the T210-D's first frame says 01 for 257 bytes.
    frame[1] === (body & 0xff) &&
    frame[frame.length - 1] === 0x16 &&
    checksumOk(frame);
  if (!ok) throw new Error(`frame ${n} is not a valid M-Bus long frame`);
}

export type TelegramMap = {
  readonly frames: readonly Uint8Array[];
  /** The decrypted data-notification (`0F <invoke id 4> 0C <date-time 12> <body>`). */
  readonly plaintext: Uint8Array;
  /** Where plaintext byte k travels: ciphertext byte k, in some frame. */
  at(k: number): FrameByte;
};

/**
 * Reassembles the frames' APDU (`DB 08 <system title> <BER length> <SC> <FC 4> <ciphertext>`), decrypts it
 * with the key (AES-CTR, counter block system title ‖ FC ‖ 00000002) and maps plaintext offsets to frame bytes.
 */
export function mapTelegram(frames: readonly Uint8Array[], key: Uint8Array): TelegramMap {
  frames.forEach(checkFrame);
  const segments = frames.map((f) => f.subarray(SEGMENT_START, f.length - TRAILER));
  const apdu = Buffer.concat(segments);
  if (apdu[0] !== 0xdb || apdu[1] !== 0x08) throw new Error('not a general-glo-ciphering APDU');
  const systemTitle = apdu.subarray(2, 10);
  let at = 10;
  const first = apdu[at++] as number;
  let length = first;
  if (first >= 0x80) {
    length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (apdu[at++] as number);
  }
  const securityControl = apdu[at] as number;
  const frameCounter = apdu.subarray(at + 1, at + 5);
  const ciphertextStart = at + 5;
  if ((securityControl & 0x30) !== 0x20)
    throw new Error(`security control 0x${securityControl.toString(16)}: not encryption without a tag`);
  const ciphertext = apdu.subarray(ciphertextStart, at + length);
  const counterBlock = Buffer.concat([systemTitle, frameCounter, Uint8Array.of(0, 0, 0, 2)]);
  const decipher = createDecipheriv('aes-128-ctr', key, counterBlock);
  const plaintext = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (plaintext[0] !== 0x0f) throw new Error('the plaintext is not a data-notification (wrong key?)');

  return {
    frames,
    plaintext,
    at(k: number): FrameByte {
      if (k < 0 || k >= plaintext.length) throw new RangeError(`plaintext offset ${k} out of range`);
      let offset = ciphertextStart + k;
      for (let frame = 0; frame < segments.length; frame++) {
        const size = (segments[frame] as Uint8Array).length;
        if (offset < size) return { frame, index: SEGMENT_START + offset };
        offset -= size;
      }
      throw new RangeError(`plaintext offset ${k} is beyond the last frame`);
    },
  };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function findOnce(haystack: Uint8Array, needle: Uint8Array, what: string): number {
  const found = indexOf(haystack, needle);
  if (found < 0) throw new Error(`${what} not found in the plaintext`);
  if (indexOf(haystack, needle, found + 1) >= 0) throw new Error(`${what} found more than once`);
  return found;
}

function obisBytes(obis: string): Uint8Array {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$/.exec(obis);
  if (m === null) throw new Error(`not an OBIS code: ${obis}`);
  return Uint8Array.from([m[1], m[2], m[3], m[4], m[5], m[6] ?? '255'].map(Number));
}

/** A-XDR tags of fixed-width values and their widths. */
const FIXED_WIDTH: Readonly<Record<number, number>> = {
  5: 4, // double-long
  6: 4, // double-long-unsigned
  15: 1, // integer
  16: 2, // long
  17: 1, // unsigned
  18: 2, // long-unsigned
  22: 1, // enum
};

/**
 * The value bytes (after the A-XDR tag, and after the length of a string) of the register whose OBIS
 * octet-string `09 06 <obis>` comes right before it: flat (EVN) or nested (KSM-West) alike.
 */
export function registerValue(plaintext: Uint8Array, obis: string): ByteRange {
  const label = Buffer.concat([Uint8Array.of(0x09, 0x06), obisBytes(obis)]);
  const tagAt = findOnce(plaintext, label, `OBIS ${obis}`) + label.length;
  const tag = plaintext[tagAt] as number;
  const width = FIXED_WIDTH[tag];
  if (width !== undefined) return { offset: tagAt + 1, length: width };
  if (tag === 0x09 || tag === 0x0a) {
    const length = plaintext[tagAt + 1] as number;
    if (length >= 0x80) throw new Error(`OBIS ${obis}: long strings are not handled here`);
    return { offset: tagAt + 2, length };
  }
  throw new Error(`OBIS ${obis}: value of A-XDR type 0x${tag.toString(16)} not handled`);
}

/** The characters of an octet-string `09 <length> <text>` (EVN's trailing meter number, or any text value). */
export function textValue(plaintext: Uint8Array, text: string): ByteRange {
  const bytes = Buffer.from(text, 'latin1');
  const at = findOnce(plaintext, Buffer.concat([Uint8Array.of(0x09, bytes.length), bytes]), `"${text}"`);
  return { offset: at + 2, length: bytes.length };
}

/**
 * Flips bit 7 of the given frame bytes (on copies). Every byte must lie in its frame's checksummed region
 * and every frame must get an even number of flips, so that each frame still passes its checksum.
 */
export function flipBit7(frames: readonly Uint8Array[], bytes: readonly FrameByte[]): Uint8Array[] {
  const out = frames.map((f) => Uint8Array.from(f));
  const perFrame = new Map<number, number>();
  const seen = new Set<string>();
  for (const { frame, index } of bytes) {
    const target = out[frame];
    if (target === undefined) throw new RangeError(`no frame ${frame}`);
    const { start, end } = checksummedRegion(target);
    if (index < start || index >= end)
      throw new RangeError(`byte ${index} of frame ${frame} is not checksummed`);
    if (seen.has(`${frame}:${index}`)) throw new Error(`byte ${index} of frame ${frame} flipped twice`);
    seen.add(`${frame}:${index}`);
    target[index] = (target[index] as number) ^ BIT7;
    perFrame.set(frame, (perFrame.get(frame) ?? 0) + 1);
  }
  for (const [frame, count] of perFrame) {
    if (count % 2 !== 0) throw new Error(`frame ${frame} got ${count} flips: its checksum would catch them`);
  }
  out.forEach((f, n) => {
    if (!checksumOk(f)) throw new Error(`frame ${n} fails its checksum after the flips`);
  });
  return out;
}

export type PlaintextNoise = {
  readonly frames: Uint8Array[];
  /** Every plaintext offset whose bit 7 was flipped, the compensating ones included. */
  readonly flipped: readonly number[];
};

/**
 * Checksum-preserving noise on plaintext bytes: flips bit 7 of the ciphertext bytes at the `targets`
 * offsets. A frame that would get an odd number of flips gets one more, on the first of `spares` (other
 * plaintext offsets, e.g. another byte of the same value or string) that travels in that frame.
 */
export function flipPlaintextBit7(
  map: TelegramMap,
  targets: readonly number[],
  spares: readonly number[] = [],
): PlaintextNoise {
  const flipped = [...targets];
  const count = new Map<number, number>();
  for (const k of targets) count.set(map.at(k).frame, (count.get(map.at(k).frame) ?? 0) + 1);
  for (const [frame, n] of count) {
    if (n % 2 === 0) continue;
    const spare = spares.find((k) => !flipped.includes(k) && map.at(k).frame === frame);
    if (spare === undefined)
      throw new Error(`no spare byte in frame ${frame} to keep its checksum: give one in \`spares\``);
    flipped.push(spare);
  }
  return { frames: flipBit7(map.frames, flipped.map(map.at)), flipped };
}

/** Noise the checksum does catch: bit 0 of one byte of a frame's segment flipped (on copies). */
export function breakChecksum(frames: readonly Uint8Array[], frame: number): Uint8Array[] {
  const out = frames.map((f) => Uint8Array.from(f));
  const target = out[frame];
  if (target === undefined) throw new RangeError(`no frame ${frame}`);
  // A byte in the middle of the segment: not a header byte, so the frame still looks like a frame.
  const index = SEGMENT_START + Math.floor((target.length - SEGMENT_START - TRAILER) / 2);
  target[index] = (target[index] as number) ^ 0x01;
  if (checksumOk(target)) throw new Error('the flip did not break the checksum');
  return out;
}

/** A frame with bytes missing from its middle (a dropped stretch of characters): the middle third removed. */
export function cutShort(frames: readonly Uint8Array[], frame: number): Uint8Array[] {
  return frames.map((f, n) => {
    if (n !== frame) return Uint8Array.from(f);
    const third = Math.max(1, Math.floor(f.length / 3));
    return Uint8Array.from(Buffer.concat([f.subarray(0, third), f.subarray(2 * third)]));
  });
}
