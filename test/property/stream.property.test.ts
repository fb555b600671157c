import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { telegramToJson } from '../../src/decoder/telegram-json.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import { ERROR_CODES, isMeterError } from '../../src/errors.js';
import { chunksArb, pushInputArb, split } from '../support/arbitraries.js';
import { concatBytes, framesOf, hex, KEYED_MBUS, VECTORS, type Vector } from '../support/vectors.js';

/**
 * The stream properties of the decoder: whatever bytes arrive, in whatever pieces, it answers with
 * telegrams or its own error codes, and the pieces never change the answer.
 */

const TEST_KEY = hex('000102030405060708090A0B0C0D0E0F');
const TEST_TITLE = hex('4B464D1020000001');

function run(key: Uint8Array | undefined, chunks: readonly Uint8Array[]): DecoderEvent[] {
  const decoder = new TelegramDecoder({ encryptionKey: key });
  const events: DecoderEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
}

function assertOnlyOurErrors(events: readonly DecoderEvent[]): void {
  for (const event of events) {
    if (event.kind !== 'rejected') continue;
    assert.ok(isMeterError(event.error), `not a MeterError: ${String(event.error)}`);
    assert.ok(ERROR_CODES.includes(event.error.code), event.error.code);
    assert.doesNotMatch(event.error.message, /internal decoder error/);
  }
}

const telegramsJson = (events: readonly DecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'telegram' ? [JSON.stringify(telegramToJson(e.telegram))] : []));

/** Byte strings that look like M-Bus often enough to reach the later stages. */
const mbusishBytes = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 1, arbitrary: fc.constantFrom(...KEYED_MBUS.flatMap((v) => framesOf(v))) },
      { weight: 1, arbitrary: fc.constant(hex('6801016853FF000167')) },
      { weight: 1, arbitrary: fc.constantFrom(hex('E5'), hex('105BFE5916'), hex('68FAFA68'), hex('16')) },
    ),
    { maxLength: 12 },
  )
  .map(concatBytes);

describe('decoder stream properties', () => {
  it('any bytes, in any chunking, give telegrams or our error codes, never an exception', () => {
    fc.assert(
      fc.property(mbusishBytes, fc.nat(), (bytes, seed) => {
        const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
        const vector = VECTORS[5] as Vector;
        assertOnlyOurErrors(run(hex(vector.key_hex as string), split(bytes, cuts)));
      }),
      { numRuns: 500 },
    );
  });

  it('any split of a valid stream gives the same telegrams as the whole stream', () => {
    const telegramArb = fc.array(pushInputArb, { minLength: 1, maxLength: 4 }).chain((inputs) =>
      fc.constantFrom('ksm-west', 'ksm-west-1phase', 'evn', 't210d' as const).map((layout) =>
        concatBytes(
          inputs.flatMap((input, i) =>
            encodeMeterTelegram(layout, input, {
              encryptionKey: TEST_KEY,
              systemTitle: TEST_TITLE,
              frameCounter: 100 + i,
              invokeId: i,
            }),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(telegramArb, fc.uint8Array({ maxLength: 40 }), fc.nat(), (stream, garbage, seed) => {
        const withGarbage = concatBytes([garbage.filter((b) => b !== 0x68), stream]);
        const whole = telegramsJson(run(TEST_KEY, [withGarbage]));
        const cuts = fc.sample(chunksArb(withGarbage.length), { seed, numRuns: 1 })[0] ?? [];
        assert.deepEqual(telegramsJson(run(TEST_KEY, split(withGarbage, cuts))), whole);
        assert.ok(whole.length >= 1);
      }),
      { numRuns: 200 },
    );
  });

  it('fed one byte at a time, every real capture decodes as when fed whole', () => {
    for (const v of KEYED_MBUS) {
      const bytes = concatBytes(framesOf(v));
      const key = hex(v.key_hex as string);
      const single = Array.from(bytes, (b) => Uint8Array.of(b));
      assert.deepEqual(telegramsJson(run(key, single)), telegramsJson(run(key, [bytes])));
    }
  });

  it('a flipped byte anywhere in a real telegram is caught, and the next good telegram still decodes', () => {
    const captures = KEYED_MBUS.filter((v) => v.raw_stream_hex === undefined);
    fc.assert(
      fc.property(
        fc.constantFrom(...captures),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (v, position, mask) => {
          const good = concatBytes(framesOf(v));
          const bad = Uint8Array.from(good);
          const at = position % bad.length;
          bad[at] = (bad[at] as number) ^ mask;
          const events = run(hex(v.key_hex as string), [bad, good]);
          assertOnlyOurErrors(events);
          const telegrams = events.filter((e) => e.kind === 'telegram');
          assert.equal(telegrams.length, 1, `flip at ${at} with ${mask}`);
          assert.ok(events.some((e) => e.kind === 'rejected' || e.kind === 'discarded'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('mutated real telegrams (flips, insertions, deletions, truncation) never escape as an exception', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({
        kind: fc.constant('delete' as const),
        at: fc.nat(),
        count: fc.integer({ min: 1, max: 20 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...KEYED_MBUS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (v, mutations) => {
          let bytes = Array.from(concatBytes(framesOf(v)));
          for (const m of mutations) {
            const at = m.at % (bytes.length + 1);
            if (m.kind === 'flip' && at < bytes.length) bytes[at] = (bytes[at] as number) ^ m.mask;
            if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
            if (m.kind === 'delete') bytes.splice(at, m.count);
            if (m.kind === 'truncate') bytes = bytes.slice(0, at);
          }
          assertOnlyOurErrors(run(hex(v.key_hex as string), [Uint8Array.from(bytes)]));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
