import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeDsmrText } from '../../src/decoder/dsmr-decoder.js';
import {
  DSMR_MAX_PENDING,
  type DsmrFramerEvent,
  DsmrStreamFramer,
} from '../../src/dsmr/dsmr-stream-framer.js';
import { parseDsmrTelegram } from '../../src/dsmr/dsmr-telegram.js';
import { DSMR_LAYOUTS, encodeDsmrPush } from '../../src/encode/dsmr-encoder.js';
import { ERROR_CODES, isMeterError } from '../../src/errors.js';
import { chunksArb, pushInputArb, split } from '../support/arbitraries.js';
import { ascii, DSMR_FIXTURES } from '../support/dsmr-fixtures.js';
import { concatBytes } from '../support/vectors.js';

/**
 * The DSMR properties, as the M-Bus framer has them: any chunking gives the same telegrams; any bytes give
 * telegrams or our codes, never an exception; a flipped bit never passes as a different telegram; a bounded
 * buffer; and the encoder round-trips random readings through the parser.
 */

const WITH_CRC = DSMR_FIXTURES.filter((f) => f.text.includes('!')).map((f) => ascii(f.text));

/** Byte strings that look like DSMR often enough to reach every branch. */
const dsmrishBytes = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 48 }) },
      { weight: 2, arbitrary: fc.constantFrom(...WITH_CRC) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(...WITH_CRC).chain((t) => fc.nat(t.length).map((n) => t.subarray(0, n))),
      },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(
            '/ABC5',
            '/EST5\\x',
            '\r\n',
            '!',
            '!7EF9',
            '1-0:1.8.0(',
            ')',
            '*kWh',
            '(1)',
            '/',
            '0-0:1.0.0(231125143000W)',
          )
          .map(ascii),
      },
    ),
    { maxLength: 14 },
  )
  .map(concatBytes);

function run(chunks: readonly Uint8Array[]): { events: DsmrFramerEvent[]; maxBuffered: number } {
  const framer = new DsmrStreamFramer();
  const events: DsmrFramerEvent[] = [];
  let maxBuffered = 0;
  for (const chunk of chunks) {
    events.push(...framer.push(chunk));
    maxBuffered = Math.max(maxBuffered, framer.buffered);
  }
  events.push(...framer.end());
  return { events, maxBuffered };
}

const summary = (events: readonly DsmrFramerEvent[]): string[] =>
  events.flatMap((e) =>
    e.kind === 'frame'
      ? [`frame ${Buffer.from(e.raw).toString('hex')}`]
      : e.kind === 'error'
        ? [`error ${e.error.code}`]
        : [],
  );

function assertOurCode(error: unknown): void {
  assert.ok(isMeterError(error), `not a MeterError: ${String(error)}`);
  assert.ok(ERROR_CODES.includes(error.code));
  assert.notEqual(error.code, 'INTERNAL_ERROR');
}

describe('DSMR properties', () => {
  it('any chunking gives the same telegrams and the same errors, and every byte is accounted for once', () => {
    fc.assert(
      fc.property(dsmrishBytes, fc.nat(), (bytes, seed) => {
        const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
        const whole = run([bytes]);
        const chunked = run(split(bytes, cuts));
        assert.deepEqual(summary(chunked.events), summary(whole.events));
        const discarded = (events: readonly DsmrFramerEvent[]): number =>
          events.reduce((n, e) => n + (e.kind === 'discarded' ? e.bytes.length : 0), 0);
        assert.equal(discarded(chunked.events), discarded(whole.events));
      }),
      { numRuns: 400 },
    );
  });

  it('any bytes give telegrams or our codes, never an exception; the buffer stays bounded', () => {
    fc.assert(
      fc.property(fc.oneof(dsmrishBytes, fc.uint8Array({ maxLength: 2000 })), fc.nat(), (bytes, seed) => {
        const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
        const { events, maxBuffered } = run(split(bytes, cuts));
        for (const event of events) if (event.kind === 'error') assertOurCode(event.error);
        assert.ok(maxBuffered <= DSMR_MAX_PENDING);
        try {
          parseDsmrTelegram(bytes);
        } catch (error) {
          assertOurCode(error);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('mutated real telegrams: the parser answers with a telegram or our codes', () => {
    const mutation = fc.record({
      telegram: fc.constantFrom(...WITH_CRC),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(mutation, ({ telegram, edits }) => {
        const bytes = Uint8Array.from(telegram);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        try {
          parseDsmrTelegram(bytes);
        } catch (error) {
          assertOurCode(error);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a flipped bit is caught by the CRC: rejected, or (a CRC digit changing case) the very same telegram', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WITH_CRC),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (telegram, at, bit) => {
          const original = parseDsmrTelegram(telegram);
          const bytes = Uint8Array.from(telegram);
          const index = at % bytes.length;
          bytes[index] = (bytes[index] as number) ^ (1 << bit);
          let parsed: unknown;
          try {
            parsed = parseDsmrTelegram(bytes);
          } catch (error) {
            assertOurCode(error);
            return;
          }
          assert.deepEqual(parsed, original);
          const { events } = run([bytes]);
          assert.ok(events.every((e) => e.kind !== 'frame' || Buffer.from(e.raw).equals(Buffer.from(bytes))));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('encoder → parser round-trips random readings, in both layouts, with and without CRC', () => {
    fc.assert(
      fc.property(pushInputArb, fc.constantFrom(...DSMR_LAYOUTS), fc.boolean(), (input, layout, crc) => {
        const bytes = encodeDsmrPush(layout, input, { crc });
        const readings = decodeDsmrText(bytes, { systemTitle: undefined, frameCounter: undefined });
        const r = input.registers;
        const t = input.time;
        const offset = t.utcOffsetMinutes === 120 ? '+02:00' : '+01:00';
        const two = (n: number): string => n.toString().padStart(2, '0');
        assert.equal(
          readings.time,
          `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}${offset}`,
        );
        const v = readings.values;
        assert.equal(v.energy_in, r.energyInWh / 1000);
        assert.equal(v.energy_out, r.energyOutWh / 1000);
        assert.equal(v.reactive_energy_in, r.reactiveEnergyInVarh / 1000);
        assert.equal(v.reactive_energy_out, r.reactiveEnergyOutVarh / 1000);
        assert.equal(v.power_in, r.powerInW);
        assert.equal(v.power_out, r.powerOutW);
        if (layout === 'dsmr-5') {
          assert.equal(readings.meterId, input.meterNumber);
          assert.deepEqual(
            [v.voltage_l1, v.voltage_l2, v.voltage_l3],
            r.voltageDecivolts.map((d) => d / 10),
          );
          assert.deepEqual(
            [v.current_l1, v.current_l2, v.current_l3],
            r.currentCentiamps.map((c) => c / 100),
          );
          assert.equal(v.power_factor, r.powerFactorMilli / 1000);
        } else {
          assert.deepEqual(readings.obis['1-0:1.8.1.255'], { value: r.energyInWh, unit: 'Wh' });
          assert.deepEqual(readings.obis['1-0:1.8.2.255'], { value: 0, unit: 'Wh' });
        }
        // The same bytes through the framer, in one piece: the same telegram.
        const framed = run([bytes]).events;
        assert.deepEqual(
          framed.map((e) => e.kind),
          ['frame'],
        );
      }),
      { numRuns: 300 },
    );
  });
});
