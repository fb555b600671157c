import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type DecoderEvent,
  type DecoderOptions,
  SHADOW_AFTER,
  TelegramDecoder,
} from '../../src/decoder/telegram-decoder.js';
import { telegramToJson } from '../../src/decoder/telegram-json.js';
import type { DlmsKeys } from '../../src/dlms/decrypt.js';
import { ERROR_CODES, isMeterError } from '../../src/errors.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import { chunksArb, split } from '../support/arbitraries.js';
import { concatBytes, framesOf, hex, KEYED_MBUS, label, VECTORS, type Vector } from '../support/vectors.js';

/**
 * The decoder finds the framing from the bytes: every real HDLC capture goes through the same
 * `new TelegramDecoder(keys)` as the M-Bus ones, and a stream that starts mid-frame in noise gives the
 * same telegrams however it is cut.
 */

const HDLC = VECTORS.filter(
  (v) => (v.transport === 'hdlc' || v.transport === 'hdlc+gbt') && v.key_hex !== null,
);
const GBT = HDLC.filter((v) => v.transport === 'hdlc+gbt');
const POSITIONAL = HDLC.filter((v) => v.transport === 'hdlc');

function keysOf(v: Vector): DlmsKeys {
  return {
    encryptionKey: hex(v.key_hex as string),
    authenticationKey: v.auth_key_hex === null ? undefined : hex(v.auth_key_hex),
  };
}

function run(
  keys: DlmsKeys,
  chunks: readonly Uint8Array[],
  options: DecoderOptions = {},
): { events: DecoderEvent[]; decoder: TelegramDecoder } {
  const decoder = new TelegramDecoder(keys, options);
  const events: DecoderEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return { events, decoder };
}

const telegrams = (events: readonly DecoderEvent[]): Telegram[] =>
  events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
const telegramsJson = (events: readonly DecoderEvent[]): string[] =>
  telegrams(events).map((t) => JSON.stringify(telegramToJson(t)));
const codes = (events: readonly DecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : []));

describe('HDLC captures through the decoder', () => {
  it('there are two block transfers and six positional pushes with a key', () => {
    assert.deepEqual([GBT.length, POSITIONAL.length], [2, 6]);
  });

  for (const v of GBT) {
    it(`${label(v)} decodes to exactly its published values, its tag verified`, () => {
      const { events, decoder } = run(keysOf(v), [concatBytes(framesOf(v))]);
      assert.equal(decoder.framing, 'hdlc');
      assert.deepEqual(codes(events), []);
      const found = telegrams(events);
      assert.equal(found.length, 1);
      const telegram = found[0] as Telegram;
      const expected = Object.fromEntries(
        Object.entries(v.expected ?? {}).map(([obis, value]) => [obis, { value }]),
      );
      // The data-notification's own date-time comes on top of the published registers.
      const { '0-0:1.0.0.255': clock, ...registers } = telegram.obis;
      assert.deepEqual(registers, expected);
      assert.equal(typeof clock?.value, 'string');
      assert.equal(telegram.time, clock?.value);
      assert.equal(telegram.values.energy_in, Number(expected['1-0:1.8.0.255']?.value) / 1000);
      assert.equal(telegram.systemTitle, v.system_title_hex);
      assert.equal(telegram.frameCounter, Number.parseInt(v.frame_counter_hex as string, 16));
      // One 'reassembled' for the telegram, naming all three frames of its blocks.
      const reassembled = events.flatMap((e) => (e.kind === 'reassembled' ? [e.frames] : []));
      assert.equal(reassembled.length, 1);
      assert.deepEqual(
        reassembled[0]?.map((f) => Buffer.from(f.raw).toString('hex').toUpperCase()),
        v.frames_hex,
      );
    });

    it(`${label(v)} with the wrong authentication key is rejected, not decoded`, () => {
      const keys = { ...keysOf(v), authenticationKey: new Uint8Array(16) };
      const { events } = run(keys, [concatBytes(framesOf(v))]);
      assert.equal(telegrams(events).length, 0);
      assert.deepEqual(codes(events), ['AUTH_FAILED']);
    });
  }

  for (const v of POSITIONAL) {
    it(`${label(v)} decrypts, and its positional layout decodes (values: positional-layouts.test.ts)`, () => {
      const { events, decoder } = run(keysOf(v), [concatBytes(framesOf(v))]);
      assert.equal(decoder.framing, 'hdlc');
      assert.deepEqual(codes(events), []);
      assert.equal(telegrams(events).length, 1);
      assert.equal(events.filter((e) => e.kind === 'reassembled').length, 1);
      // Only vector 14's closing flag, which arrived as 0x76 (its HCS and FCS are right), belongs to no frame.
      const discarded = events.flatMap((e) => (e.kind === 'discarded' ? [...e.bytes] : []));
      assert.deepEqual(discarded, v.index === 14 ? [0x76] : []);
    });
  }

  it('a wrong decision is not final: after SHADOW_AFTER bytes without a frame, the other framing takes over', () => {
    const telegram = concatBytes(framesOf(MBUS));
    const repeats = Math.ceil((2 * SHADOW_AFTER) / telegram.length);
    const stream = concatBytes([
      concatBytes(framesOf(E450)),
      ...Array.from({ length: repeats }, () => telegram),
    ]);
    const chunks = split(
      stream,
      Array.from({ length: Math.floor(stream.length / 64) }, (_, i) => (i + 1) * 64),
    );
    const { events, decoder } = run(keysOf(MBUS), chunks);
    assert.equal(decoder.framing, 'mbus');
    const unread = Math.ceil(SHADOW_AFTER / telegram.length) + 1;
    assert.ok(telegrams(events).length >= repeats - unread, `${telegrams(events).length} of ${repeats}`);
  });

  it('an M-Bus stream decides for M-Bus, and no frame leaves the framing open', () => {
    const v = KEYED_MBUS[0] as Vector;
    assert.equal(run(keysOf(v), framesOf(v)).decoder.framing, 'mbus');
    assert.equal(run(keysOf(v), [hex('00112233')]).decoder.framing, undefined);
  });
});

/** The tail of a frame, as a stream that starts mid-frame begins, then noise without either framing's start. */
function midFrameStart(frame: Uint8Array, noise: Uint8Array): Uint8Array {
  return concatBytes([
    frame.subarray(Math.floor(frame.length / 2)),
    noise.filter((b) => b !== 0x68 && b !== 0x7e),
  ]);
}

const MBUS = KEYED_MBUS[0] as Vector;
const E450 = GBT[0] as Vector;
const streams: readonly [string, Vector, (noise: Uint8Array) => Uint8Array][] = [
  [
    'M-Bus',
    MBUS,
    (noise) => {
      const frames = framesOf(MBUS);
      return concatBytes([midFrameStart(frames[0] as Uint8Array, noise), ...frames, ...frames]);
    },
  ],
  [
    'HDLC with block transfer',
    E450,
    (noise) => {
      const frames = framesOf(E450);
      return concatBytes([midFrameStart(frames[1] as Uint8Array, noise), ...frames, ...frames]);
    },
  ],
];

describe('framing detection, chunked', () => {
  for (const [name, v, build] of streams) {
    it(`a stream of ${name} starting mid-frame in noise gives the same two telegrams in any chunking`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (noise, seed) => {
          const stream = build(noise);
          const whole = run(keysOf(v), [stream]).events;
          assert.equal(telegrams(whole).length, 2);
          const cuts = fc.sample(chunksArb(stream.length), { seed, numRuns: 1 })[0] ?? [];
          assert.deepEqual(telegramsJson(run(keysOf(v), split(stream, cuts)).events), telegramsJson(whole));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('fed one byte at a time, the block-transfer capture decodes as when fed whole', () => {
    const stream = concatBytes(framesOf(E450));
    const single = Array.from(stream, (b) => Uint8Array.of(b));
    assert.deepEqual(
      telegramsJson(run(keysOf(E450), single).events),
      telegramsJson(run(keysOf(E450), [stream]).events),
    );
  });

  it('any bytes, HDLC-ish or M-Bus-ish, in any chunking, give telegrams or our error codes, never an exception', () => {
    const pieces = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
        { weight: 1, arbitrary: fc.constantFrom(...HDLC.flatMap((h) => framesOf(h))) },
        { weight: 1, arbitrary: fc.constantFrom(...framesOf(MBUS)) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            hex('7EA0'),
            hex('7E'),
            hex('E6E700'),
            hex('E0C00001000001DB'),
            hex('68FAFA68'),
          ),
        },
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(pieces, fc.nat(), (parts, seed) => {
        const bytes = concatBytes(parts);
        const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
        for (const event of run(keysOf(E450), split(bytes, cuts)).events) {
          if (event.kind !== 'rejected') continue;
          assert.ok(isMeterError(event.error));
          assert.ok(ERROR_CODES.includes(event.error.code), event.error.code);
          assert.doesNotMatch(event.error.message, /internal decoder error/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the framing the operator preset expects', () => {
  const e450 = GBT[0] as Vector;
  const frames = framesOf(e450);
  const damaged = Uint8Array.from(frames[0] as Uint8Array);
  damaged[30] = (damaged[30] as number) ^ 0x01;

  it('reports a damaged first frame of that framing, which M-Bus-first takes for noise; the telegram after is the same', () => {
    const chunks = [damaged, concatBytes(frames)];
    const expected = run(keysOf(e450), chunks, { framing: 'hdlc' });
    const guessed = run(keysOf(e450), chunks);
    assert.equal(codes(expected.events).length, 1, codes(expected.events).join());
    assert.deepEqual(codes(guessed.events), []);
    assert.deepEqual(telegramsJson(expected.events), telegramsJson(guessed.events));
    assert.equal(telegramsJson(expected.events).length, 1);
  });

  it('a wrong preset costs nothing but that: an M-Bus meter under an HDLC preset decodes the same', () => {
    const input = concatBytes(framesOf(MBUS));
    const keys = { encryptionKey: hex(MBUS.key_hex as string) };
    const wrong = run(keys, [input], { framing: 'hdlc' });
    assert.equal(wrong.decoder.framing, 'mbus');
    assert.deepEqual(telegramsJson(wrong.events), telegramsJson(run(keys, [input]).events));
    assert.ok(telegramsJson(wrong.events).length > 0);
  });
});
