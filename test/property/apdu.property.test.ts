import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeApdu } from '../../src/decoder/apdu-decoder.js';
import { ApduPath, BARE_APDU_MAX_PENDING } from '../../src/decoder/apdu-path.js';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { telegramToJson } from '../../src/decoder/telegram-json.js';
import type { DlmsKeys } from '../../src/dlms/decrypt.js';
import { encodeT210dRApdu } from '../../src/encode/dsmr-encoder.js';
import type { PushInput } from '../../src/encode/push-layouts.js';
import { ERROR_CODES, isMeterError, type MeterError } from '../../src/errors.js';
import { chunksArb, pushInputArb, split } from '../support/arbitraries.js';
import { concatBytes, hex } from '../support/vectors.js';

/** The bare-APDU framing (the T210-D-r's P1 port) under the properties the M-Bus and HDLC paths have. */

const EK = hex('000102030405060708090A0B0C0D0E0F');
const AK = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const KEYS: DlmsKeys = { encryptionKey: EK, authenticationKey: AK };
const TITLE = hex('5341473500004059');

/** DSMR timestamps are CET or CEST, with a two-digit year. */
const dsmrInputArb: fc.Arbitrary<PushInput> = pushInputArb.map((input) => ({
  ...input,
  time: {
    ...input.time,
    year: 2000 + (input.time.year % 100),
    utcOffsetMinutes: input.time.utcOffsetMinutes === 120 ? 120 : 60,
  },
}));

const apdusArb = fc.array(dsmrInputArb, { minLength: 1, maxLength: 4 }).map((inputs) =>
  inputs.map((input, n) =>
    encodeT210dRApdu(input, {
      systemTitle: TITLE,
      frameCounter: 1000 + n,
      encryptionKey: EK,
      authenticationKey: AK,
    }),
  ),
);

function run(chunks: readonly Uint8Array[], keys: DlmsKeys = KEYS): DecoderEvent[] {
  const decoder = new TelegramDecoder(keys);
  const events = chunks.flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  return events;
}

const telegramsJson = (events: readonly DecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'telegram' ? [JSON.stringify(telegramToJson(e.telegram))] : []));

function assertOnlyOurErrors(events: readonly DecoderEvent[]): void {
  for (const event of events) {
    if (event.kind !== 'rejected') continue;
    assert.ok(isMeterError(event.error), `not a MeterError: ${String(event.error)}`);
    assert.ok(ERROR_CODES.includes(event.error.code), event.error.code);
    assert.notEqual(event.error.code, 'INTERNAL_ERROR', event.error.message);
  }
}

function chunked(bytes: Uint8Array, seed: number): Uint8Array[] {
  return split(bytes, fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? []);
}

/** The path alone, with the real decoder as its proof, to watch what it holds between pushes. */
function bareApduPath(): ApduPath {
  const decode = (): void => {};
  return new ApduPath(decode, (apdu) => {
    try {
      return decodeApdu(apdu, KEYS);
    } catch (error) {
      return error as MeterError;
    }
  });
}

describe('bare APDU stream properties', () => {
  it('any pushes, garbage before and between, any chunking: every push, the same telegrams as whole', () => {
    fc.assert(
      fc.property(
        apdusArb,
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 12 }),
        fc.nat(),
        (apdus, garbage, between, seed) => {
          const stream = concatBytes([garbage, ...apdus.flatMap((a) => [a, between])]);
          const whole = run([stream]);
          assertOnlyOurErrors(whole);
          const energies = whole.flatMap((e) => (e.kind === 'telegram' ? [e.telegram.values.energy_in] : []));
          assert.equal(energies.length, apdus.length);
          assert.deepEqual(telegramsJson(run(chunked(stream, seed))), telegramsJson(whole));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any bytes, with APDU starts and pieces mixed in, in any chunking: telegrams or our codes, never an exception', () => {
    const apdu = encodeT210dRApdu(fc.sample(dsmrInputArb, { seed: 7, numRuns: 1 })[0] as PushInput, {
      systemTitle: TITLE,
      frameCounter: 1,
      encryptionKey: EK,
      authenticationKey: AK,
    });
    const bytesArb = fc
      .array(
        fc.oneof(
          { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
          { weight: 1, arbitrary: fc.constant(apdu) },
          { weight: 1, arbitrary: fc.nat(apdu.length).map((n) => apdu.subarray(0, n)) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(hex('DB08'), hex('DB085341473500004059820200'), hex('E6E700')),
          },
        ),
        { maxLength: 10 },
      )
      .map(concatBytes);
    fc.assert(
      fc.property(bytesArb, fc.nat(), fc.boolean(), (bytes, seed, keyed) => {
        assertOnlyOurErrors(run(chunked(bytes, seed), keyed ? KEYS : {}));
      }),
      { numRuns: 300 },
    );
  });

  it('what the path holds between pushes is bounded by one whole APDU of the longest length it accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 30 }), (chunks) => {
        const path = bareApduPath();
        for (const chunk of [hex('DB085341473500004059820FF0'), ...chunks]) {
          path.push(chunk, []);
          assert.ok(path.buffered <= BARE_APDU_MAX_PENDING, `${path.buffered}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a flipped bit never gives other values: the tag catches it, or the push is lost', () => {
    fc.assert(
      fc.property(apdusArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (apdus, at, bit) => {
        const stream = concatBytes(apdus);
        const good = new Set(telegramsJson(run([stream])));
        const flipped = Uint8Array.from(stream);
        const index = at % flipped.length;
        flipped[index] = (flipped[index] as number) ^ (1 << bit);
        const events = run([flipped]);
        assertOnlyOurErrors(events);
        const out = telegramsJson(events);
        for (const telegram of out) assert.ok(good.has(telegram), 'a telegram with other values');
        assert.ok(out.length < apdus.length || apdus.length === 0);
      }),
      { numRuns: 80 },
    );
  });
});
