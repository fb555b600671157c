import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyEvidence } from '../../src/decoder/key-evidence.js';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { aesCtr, gcmIv } from '../../src/dlms/decrypt.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { PushLayout } from '../../src/encode/push-layouts.js';
import { checksumOk, mapTelegram, registerValue } from '../support/line-noise.js';
import { hex } from '../support/vectors.js';

/**
 * WRONG_KEY or a telegram damaged on the way (src/decoder/key-evidence.ts). Without a GCM tag
 * (security control 0x20/0x21) both show as a plaintext that does not parse. A wrong key must always be
 * named as such, and a telegram that line noise damaged past the M-Bus checksum must never be, when
 * something says the key fits: the plaintext still starts like a data-notification, or the key decoded
 * this system title (or one a few bit flips from it) before.
 */

const KEY = hex('000102030405060708090A0B0C0D0E0F');
const TITLE = hex('4B464D1020000042');
/** Another meter (a Sagemcom T210-D), 16 bits from TITLE, with its own key. */
const OTHER_TITLE = hex('5341475905000010');
const OTHER_KEY = hex('F0E1D2C3B4A5968778695A4B3C2D1E0F');
/** `68 L L 68 C A CI 01 67`, then the APDU `DB 08 <system title 8> <BER length 3> <SC> <FC 4> <ciphertext>`. */
const SEGMENT_START = 9;
const TITLE_AT = SEGMENT_START + 2;
const FRAME_COUNTER_AT = TITLE_AT + 8 + 3 + 1;

type Meter = { readonly key: Uint8Array; readonly title: Uint8Array; readonly layout: PushLayout };
const KAIFA: Meter = { key: KEY, title: TITLE, layout: 'ksm-west' };

function encode(n: number, meter: Meter = KAIFA): Uint8Array[] {
  const second = n * 5;
  return encodeMeterTelegram(
    meter.layout,
    {
      time: {
        year: 2026,
        month: 11,
        day: 24,
        hour: 10,
        minute: Math.floor(second / 60) % 60,
        second: second % 60,
        utcOffsetMinutes: 60,
      },
      meterNumber: meter.layout === 'ksm-west' ? '1KFM0200000042' : '181220000042',
      deviceName: 'KFM1200200000042',
      registers: {
        energyInWh: 3_744_082 + 2 * n,
        energyOutWh: 3_929_988,
        reactiveEnergyInVarh: 13_445,
        reactiveEnergyOutVarh: 1_313_360,
        powerInW: 1520,
        powerOutW: 0,
        voltageDecivolts: [2300, 2310, 2320],
        currentCentiamps: [221, 230, 210],
        powerFactorMilli: 980,
      },
    },
    { encryptionKey: meter.key, systemTitle: meter.title, frameCounter: 0x0022e252 + n, invokeId: n },
  );
}

/** What the decoder made of each telegram: 'ok', or the rejection's code and message. */
type Outcome = { readonly code: string; readonly message: string };

function decodeAll(decoder: TelegramDecoder, telegrams: readonly (readonly Uint8Array[])[]): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const frames of telegrams) {
    for (const frame of frames) {
      for (const event of decoder.push(frame)) {
        if (event.kind === 'telegram') outcomes.push({ code: 'ok', message: '' });
        if (event.kind === 'rejected')
          outcomes.push({ code: event.error.code, message: event.error.message });
      }
    }
  }
  assert.equal(outcomes.length, telegrams.length, 'one outcome per telegram');
  return outcomes;
}

/**
 * Checksum-preserving damage (on copies): frame byte `index` becomes `value`, and the difference is taken
 * off byte `compensate` of the same frame, so the frame's 8-bit sum stays.
 */
function setKeepingChecksum(
  frames: readonly Uint8Array[],
  frame: number,
  changes: readonly { readonly index: number; readonly value: number }[],
  compensate: number,
): Uint8Array[] {
  const out = frames.map((f) => Uint8Array.from(f));
  const target = out[frame] as Uint8Array;
  let delta = 0;
  for (const { index, value } of changes) {
    assert.notEqual(index, compensate);
    delta += value - (target[index] as number);
    target[index] = value & 0xff;
  }
  target[compensate] = ((target[compensate] as number) - delta) & 0xff;
  assert.ok(
    out.every((f) => checksumOk(f)),
    'the damage must pass the M-Bus checksum',
  );
  assert.notDeepEqual(
    out,
    frames.map((f) => Uint8Array.from(f)),
    'the damage must change something',
  );
  return out;
}

/** Plaintext byte p + d and plaintext byte q − d, both in the same frame. */
function shiftPlaintext(frames: readonly Uint8Array[], p: number, q: number, d: number): Uint8Array[] {
  const map = mapTelegram(frames, KEY);
  const at = map.at(p);
  const comp = map.at(q);
  assert.equal(at.frame, comp.frame, `plaintext bytes ${p} and ${q} travel in different frames`);
  const value = ((frames[at.frame] as Uint8Array)[at.index] as number) + d;
  return setKeepingChecksum(frames, at.frame, [{ index: at.index, value }], comp.index);
}

/** Title bits flipped (mask per title byte), the checksum kept on a ciphertext byte of the first frame. */
function damageTitle(frames: readonly Uint8Array[], masks: readonly number[]): Uint8Array[] {
  const first = frames[0] as Uint8Array;
  const changes = masks.map((mask, i) => ({
    index: TITLE_AT + i,
    value: (first[TITLE_AT + i] as number) ^ mask,
  }));
  return setKeepingChecksum(frames, 0, changes, mapTelegram(frames, KEY).at(40).index);
}

const bits = (masks: readonly number[]): number =>
  masks.reduce((sum, m) => sum + m.toString(2).replaceAll('0', '').length, 0);

/** Deterministic 16-byte keys: SHA-256 of a label and an index. */
const keyOf = (label: string, i: number): Uint8Array =>
  new Uint8Array(createHash('sha256').update(`${label}-${i}`).digest().subarray(0, 16));

describe('key evidence: a wrong key', () => {
  it('the header heuristic says "the key fits" for 2 of the 65,536 (first byte, 6th byte) pairs: 1 in 32,768', () => {
    const evidence = new KeyEvidence();
    const plaintext = new Uint8Array(40);
    let fits = 0;
    for (let first = 0; first < 256; first++) {
      for (let sixth = 0; sixth < 256; sixth++) {
        plaintext[0] = first;
        plaintext[5] = sixth;
        if (evidence.keyFits(TITLE, plaintext)) fits++;
      }
    }
    assert.equal(fits, 2);
  });

  it('a wrong key on a fresh decoder: all 20 telegrams of a stream are WRONG_KEY, none AXDR_INVALID', () => {
    const stream = Array.from({ length: 20 }, (_, n) => encode(n));
    for (const wrong of [hex('000102030405060708090A0B0C0D0E0E'), keyOf('stream', 0), keyOf('stream', 1)]) {
      const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: wrong }), stream);
      assert.deepEqual(
        outcomes.map((o) => o.code),
        stream.map(() => 'WRONG_KEY'),
      );
      assert.match(outcomes[0]?.message ?? '', /The key does not fit this meter/);
      assert.doesNotMatch(outcomes[0]?.message ?? '', /000102030405|0E0F/i, 'no key material in the message');
    }
  });

  it('2000 random wrong keys: the first telegram is WRONG_KEY every time', () => {
    const frames = encode(0);
    const apdu = Buffer.concat(frames.map((f) => f.subarray(SEGMENT_START, f.length - 2)));
    const ciphertext = apdu.subarray(FRAME_COUNTER_AT - SEGMENT_START + 4);
    const iv = gcmIv(TITLE, 0x0022e252);
    assert.deepEqual(
      [...aesCtr(KEY, iv, ciphertext.subarray(0, 6))].filter((_, i) => i === 0 || i === 5),
      [0x0f, 12],
    );
    let headerFits = 0;
    const codes = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const wrong = keyOf('first', i);
      // How often the header heuristic alone would misfire: expected 2000 / 32768 ≈ 0.06.
      const plaintext = aesCtr(wrong, iv, ciphertext.subarray(0, 6));
      if (plaintext[0] === 0x0f && (plaintext[5] === 0 || plaintext[5] === 12)) headerFits++;
      const [outcome] = decodeAll(new TelegramDecoder({ encryptionKey: wrong }), [frames]);
      codes.set(outcome?.code ?? '', (codes.get(outcome?.code ?? '') ?? 0) + 1);
    }
    // These seeds give no key whose plaintext happens to start like a data-notification.
    assert.equal(headerFits, 0);
    assert.deepEqual([...codes], [['WRONG_KEY', 2000]]);
  });
});

describe('key evidence: the right key, a telegram damaged on the way', () => {
  /** Plaintext: `0F <invoke id 4> 0C <date-time 12> 02 10 …`: offset 19 is the push list's element count. */
  const ELEMENT_COUNT = 19;

  it('the first telegram, damaged past the checksum so the A-XDR fails: AXDR_INVALID "damaged", not WRONG_KEY', () => {
    const clean = encode(0);
    const map = mapTelegram(clean, KEY);
    assert.equal(map.plaintext[ELEMENT_COUNT], 0x10);
    // One more element than the structure holds; a voltage one lower, so the sum stays.
    const voltage = registerValue(map.plaintext, '1-0:32.7.0.255');
    const damaged = shiftPlaintext(clean, ELEMENT_COUNT, voltage.offset + 1, 1);
    const [outcome, next] = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [damaged, encode(1)]);
    assert.equal(outcome?.code, 'AXDR_INVALID');
    assert.match(outcome?.message ?? '', /damaged on the way/);
    assert.match(outcome?.message ?? '', /the key fits this meter/);
    assert.equal(next?.code, 'ok');
  });

  it('no checksum-preserving damage of the ciphertext that keeps bytes 0 and 5 is ever WRONG_KEY, even first', () => {
    const clean = encode(0);
    const map = mapTelegram(clean, KEY);
    const length = map.plaintext.length;
    const counts = new Map<string, number>();
    let seed = 0x2545f491;
    const next = (bound: number): number => {
      // xorshift32: the same damages on every run.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % bound;
    };
    for (let i = 0; i < 3000; i++) {
      const p = 1 + next(length - 1);
      const q = 1 + next(length - 1);
      const d = [1, 0x80, 1 + next(255)][i % 3] as number;
      if (p === q || p === 5 || q === 5 || map.at(p).frame !== map.at(q).frame) continue;
      const [outcome] = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
        shiftPlaintext(clean, p, q, d),
      ]);
      const code = outcome?.code ?? '';
      counts.set(code, (counts.get(code) ?? 0) + 1);
      assert.notEqual(code, 'WRONG_KEY', `plaintext ${p} + ${d}, ${q} − ${d}`);
      if (code === 'AXDR_INVALID') {
        assert.match(outcome?.message ?? '', /damaged on the way/, `plaintext ${p} + ${d}, ${q} − ${d}`);
      }
    }
    // Both kinds occur: damage inside a value decodes (the guard's job), damage to the structure does not.
    assert.ok((counts.get('ok') ?? 0) > 100, JSON.stringify([...counts]));
    assert.ok((counts.get('AXDR_INVALID') ?? 0) > 100, JSON.stringify([...counts]));
  });

  for (const [name, offset] of [
    ['the tag 0x0F', 0],
    ['the date-time length', 5],
  ] as const) {
    it(`after a good telegram of this system title, damage to ${name}: AXDR_INVALID "damaged", never WRONG_KEY`, () => {
      const voltage = registerValue(mapTelegram(encode(0), KEY).plaintext, '1-0:32.7.0.255');
      // Damaged telegrams between intact ones, as line noise hits: each one after a good telegram.
      const telegrams = [encode(0)];
      for (const d of [1, 0x80, 0x33]) {
        telegrams.push(shiftPlaintext(encode(telegrams.length), offset, voltage.offset + 1, d));
        telegrams.push(encode(telegrams.length));
      }
      const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), telegrams);
      assert.deepEqual(
        outcomes.map((o) => o.code),
        ['ok', 'AXDR_INVALID', 'ok', 'AXDR_INVALID', 'ok', 'AXDR_INVALID', 'ok'],
      );
      for (const n of [1, 3, 5]) assert.match(outcomes[n]?.message ?? '', /damaged on the way/);
    });
  }

  it('a damaged frame counter after a good telegram (the whole plaintext is noise): AXDR_INVALID, not WRONG_KEY', () => {
    const clean = encode(1);
    const first = clean[0] as Uint8Array;
    const index = FRAME_COUNTER_AT + 3;
    const damaged = setKeepingChecksum(
      clean,
      0,
      [{ index, value: (first[index] as number) ^ 0x80 }],
      mapTelegram(clean, KEY).at(40).index,
    );
    const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [encode(0), damaged, encode(2)]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ['ok', 'AXDR_INVALID', 'ok'],
    );
  });
});

describe('key evidence: the system title', () => {
  const damages: readonly (readonly number[])[] = [
    [0x80],
    [0, 0, 0, 0, 0, 0, 0, 0x01],
    [0, 0, 0, 0x10, 0, 0, 0, 0x40],
    [0x80, 0, 0x80, 0, 0, 0, 0, 0x80],
    [0, 0, 0, 0, 0x0f],
    [0x01, 0x02, 0x04, 0x08],
  ];
  for (const masks of damages) {
    it(`a system title damaged in ${bits(masks)} bit(s) (${masks.join(',')}) after a good telegram: AXDR_INVALID`, () => {
      const damaged = damageTitle(encode(1), masks);
      const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
        encode(0),
        damaged,
        encode(2),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.code),
        ['ok', 'AXDR_INVALID', 'ok'],
      );
      assert.match(outcomes[1]?.message ?? '', /damaged on the way/);
    });
  }

  it('the same damaged titles on a fresh decoder, with nothing to compare: WRONG_KEY', () => {
    for (const masks of damages) {
      const [outcome] = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
        damageTitle(encode(1), masks),
      ]);
      assert.equal(outcome?.code, 'WRONG_KEY', masks.join(','));
    }
  });

  it('5 bits from a title the key decoded is another meter: WRONG_KEY', () => {
    const masks = [0x80, 0x01, 0, 0x02, 0, 0x10, 0, 0x20];
    assert.equal(bits(masks), 5);
    const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
      encode(0),
      damageTitle(encode(1), masks),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ['ok', 'WRONG_KEY'],
    );
  });

  it('a replaced meter one bit away, or a new key for the same meter: damage twice, then WRONG_KEY from the third', () => {
    const neighbour: Meter = { key: OTHER_KEY, title: hex('4B464D1020000043'), layout: 'ksm-west' };
    const replaced = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
      encode(0),
      encode(1, neighbour),
      encode(2, neighbour),
      encode(3, neighbour),
      encode(4, neighbour),
    ]);
    assert.deepEqual(
      replaced.map((o) => o.code),
      ['ok', 'AXDR_INVALID', 'AXDR_INVALID', 'WRONG_KEY', 'WRONG_KEY'],
    );
    // The operator issued a new key for the same meter (same title): the bridge still has the old one.
    const rekeyed: Meter = { key: OTHER_KEY, title: TITLE, layout: 'ksm-west' };
    const rotated = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
      encode(0),
      encode(1, rekeyed),
      encode(2, rekeyed),
      encode(3, rekeyed),
    ]);
    assert.deepEqual(
      rotated.map((o) => o.code),
      ['ok', 'AXDR_INVALID', 'AXDR_INVALID', 'WRONG_KEY'],
    );
  });

  it("a different meter's system title (16 bits away), which the key does not fit: WRONG_KEY", () => {
    const other: Meter = { key: OTHER_KEY, title: OTHER_TITLE, layout: 't210d' };
    const outcomes = decodeAll(new TelegramDecoder({ encryptionKey: KEY }), [
      encode(0),
      encode(1),
      encode(2, other),
      encode(3, other),
      encode(4),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ['ok', 'ok', 'WRONG_KEY', 'WRONG_KEY', 'ok'],
    );
    assert.match(outcomes[2]?.message ?? '', /system title 5341475905000010/i);
  });

  it('KeyEvidence itself: fits a proven title and one 4 bits from it, not one 5 bits away, nor before any proof', () => {
    const noise = Uint8Array.of(0x42, 1, 2, 3, 4, 5, 6, 7);
    const near = (masks: readonly number[]) => TITLE.map((b, i) => b ^ (masks[i] ?? 0));
    const fits = (title: Uint8Array, proven: Uint8Array | null = TITLE): boolean => {
      const evidence = new KeyEvidence();
      if (proven !== null) evidence.prove(proven);
      return evidence.keyFits(title, noise);
    };
    assert.equal(fits(TITLE, null), false);
    assert.equal(fits(TITLE), true);
    assert.equal(fits(near([0x80])), true);
    assert.equal(fits(near([0x01, 0x02, 0x04, 0x08])), true);
    assert.equal(fits(near([0x01, 0x02, 0x04, 0x08, 0x10])), false);
    assert.equal(fits(OTHER_TITLE), false);
  });
});
