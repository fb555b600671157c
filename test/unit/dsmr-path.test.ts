import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DsmrPath } from '../../src/decoder/dsmr-path.js';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { telegramToJson } from '../../src/decoder/telegram-json.js';
import { DSMR_MAX_PENDING } from '../../src/dsmr/dsmr-stream-framer.js';
import { encodeDsmrPush } from '../../src/encode/dsmr-encoder.js';
import { ERROR_CODES, isMeterError } from '../../src/errors.js';
import { chunksArb, pushInputArb, split } from '../support/arbitraries.js';
import { ascii, dsmrFixture } from '../support/dsmr-fixtures.js';
import { concatBytes, framesOf, hex, VECTORS } from '../support/vectors.js';

/** DSMR/P1 text in the clear on the line: a fourth framing, found from the bytes like the others. */

function run(chunks: readonly Uint8Array[]): { events: DecoderEvent[]; decoder: TelegramDecoder } {
  const decoder = new TelegramDecoder({});
  const events = chunks.flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  return { events, decoder };
}

const json = (events: readonly DecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'telegram' ? [JSON.stringify(telegramToJson(e.telegram))] : []));

const dsmrInputArb = pushInputArb.map((input) => ({
  ...input,
  time: {
    ...input.time,
    year: 2000 + (input.time.year % 100),
    utcOffsetMinutes: input.time.utcOffsetMinutes === 120 ? 120 : 60,
  },
}));

describe('DSMR text on the line', () => {
  it('the published T210-D-r and Dutch telegrams, back to back: decoded without a key, CRC checked', () => {
    const t210 = ascii(dsmrFixture('t210d-r-energienetze-steiermark').text);
    const isk = ascii(dsmrFixture('iskra-am550-dsmr5').text);
    const { events, decoder } = run([concatBytes([hex('00FF2F41'), t210, isk, t210])]);
    assert.equal(decoder.framing, 'dsmr');
    assert.deepEqual(
      events.filter((e) => e.kind === 'rejected'),
      [],
    );
    const telegrams = events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
    assert.equal(telegrams.length, 3);
    assert.equal(telegrams[0]?.values.energy_in, 6545.766);
    assert.equal(telegrams[0]?.time, '2022-10-06T15:50:14+02:00');
    assert.equal(telegrams[1]?.meterId, 'E0043007424330419');
    assert.equal(telegrams[1]?.values.power_in, 420);
  });

  it('a damaged character: CHECKSUM for that telegram, the next one still decodes', () => {
    const t210 = ascii(dsmrFixture('t210d-r-energienetze-steiermark').text);
    const damaged = Uint8Array.from(t210);
    damaged[60] = 0x39;
    const { events } = run([concatBytes([t210, damaged, t210])]);
    assert.deepEqual(
      events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : [])),
      ['CHECKSUM'],
    );
    assert.equal(json(events).length, 2);
  });

  it('M-Bus and HDLC captures are never taken for DSMR', () => {
    for (const v of VECTORS.filter((x) => x.frames_hex.length > 0)) {
      const { decoder } = run([concatBytes([...framesOf(v), ...framesOf(v)])]);
      assert.notEqual(decoder.framing, 'dsmr', v.operator);
    }
  });

  it('any pushes, any chunking, garbage before: the same telegrams; any bytes: our codes only', () => {
    fc.assert(
      fc.property(
        fc.array(dsmrInputArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('t210d-r-p1' as const, 'dsmr-5' as const),
        fc.uint8Array({ maxLength: 30 }),
        fc.nat(),
        (inputs, layout, garbage, seed) => {
          const stream = concatBytes([garbage, ...inputs.map((i) => encodeDsmrPush(layout, i))]);
          const whole = run([stream]).events;
          assert.equal(json(whole).length, inputs.length);
          const cuts = fc.sample(chunksArb(stream.length), { seed, numRuns: 1 })[0] ?? [];
          assert.deepEqual(json(run(split(stream, cuts)).events), json(whole));
        },
      ),
      { numRuns: 60 },
    );
    const textish = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.constantFrom(
            ascii('/EST5\\x\r\n'),
            ascii('1-0:1.8.0(12*kWh)\r\n'),
            ascii('!'),
            ascii('!ABCD\r\n'),
          ),
        ),
        { maxLength: 12 },
      )
      .map(concatBytes);
    fc.assert(
      fc.property(textish, (bytes) => {
        for (const event of run([bytes]).events) {
          if (event.kind !== 'rejected') continue;
          assert.ok(isMeterError(event.error));
          assert.ok(ERROR_CODES.includes(event.error.code));
          assert.notEqual(event.error.code, 'INTERNAL_ERROR');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('what the path holds between pushes is bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 900 }), { maxLength: 20 }), (chunks) => {
        const path = new DsmrPath(() => {});
        for (const chunk of [
          ascii('/EST5\\x\r\n\r\n'),
          ...chunks.map((c) => c.map((b) => 0x20 + (b % 0x5e))),
        ]) {
          path.push(chunk, []);
          assert.ok(path.buffered <= DSMR_MAX_PENDING, `${path.buffered}`);
        }
      }),
      { numRuns: 50 },
    );
  });
});
