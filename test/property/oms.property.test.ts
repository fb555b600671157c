import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KeyEvidence } from '../../src/decoder/key-evidence.js';
import { decodeOmsTelegram } from '../../src/decoder/oms-decoder.js';
import { AMIS_HEADER, type AmisReadingsInput, encodeAmisFrame } from '../../src/encode/oms-encoder.js';
import { isMeterError } from '../../src/errors.js';
import { MbusFramer } from '../../src/mbus/mbus-framer.js';
import { omsReading } from '../../src/oms/amis-readings.js';
import { parseDataRecords } from '../../src/oms/dif-vif.js';
import { parseOmsLongHeader } from '../../src/oms/oms-header.js';
import { decodeOmsFrame } from '../../src/oms/oms-telegram.js';
import { hex, VECTORS } from '../support/vectors.js';

/** src/oms on any bytes: readings or our codes, never an exception; the encoder and decoder agree. */

const AMIS = VECTORS.find((v) => v.transport.startsWith('mbus-oms-mode5'));
assert.ok(AMIS !== undefined);
const KEY = hex(AMIS.key_hex as string);
const FRAME = hex(AMIS.frames_hex[0] as string);
const PLAINTEXT = hex(AMIS.plaintext_hex as string);
const HEADER = parseOmsLongHeader(0x5b, FRAME.subarray(7, FRAME.length - 2));

function onlyMeterErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    assert.ok(isMeterError(error), `escaped: ${String(error)}`);
    assert.notEqual(error.code, 'INTERNAL_ERROR', error.message);
  }
}

const asFrame = (data: Uint8Array) => ({ ciField: 0x5b, data, raw: data });

function mutated(bytes: Uint8Array) {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([edits, cut]) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return cut === undefined ? copy : copy.subarray(0, cut % (copy.length + 1));
    });
}

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const readingsArb: fc.Arbitrary<AmisReadingsInput> = fc.record({
  time: fc.record({
    year: fc.integer({ min: 2000, max: 2127 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
  }),
  energyIn: int32,
  energyOut: int32,
  reactiveEnergyIn: int32,
  reactiveEnergyOut: int32,
  powerIn: int32,
  powerOut: int32,
  reactivePowerIn: int32,
  reactivePowerOut: int32,
  register1128: int32,
});

describe('OMS properties', () => {
  it('random bytes into the header parser, the record parser and the whole frame decoder: our codes only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyMeterErrors(() => parseOmsLongHeader(0x5b, bytes));
        onlyMeterErrors(() => omsReading(HEADER, parseDataRecords(bytes)));
        onlyMeterErrors(() => decodeOmsFrame(asFrame(bytes), KEY));
        onlyMeterErrors(() => decodeOmsFrame(asFrame(Uint8Array.from([...HEADER.raw, ...bytes])), KEY));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated plaintexts of the capture: records or FRAME_INVALID/UNSUPPORTED, never an exception', () => {
    fc.assert(
      fc.property(mutated(PLAINTEXT), (bytes) => {
        try {
          omsReading(HEADER, parseDataRecords(bytes));
        } catch (error) {
          assert.ok(isMeterError(error), `escaped: ${String(error)}`);
          assert.ok(['FRAME_INVALID', 'UNSUPPORTED'].includes(error.code), error.code);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated frames of the capture, with and without key evidence: our codes only', () => {
    const evidence = new KeyEvidence();
    fc.assert(
      fc.property(mutated(FRAME.subarray(7, FRAME.length - 2)), fc.boolean(), (data, withEvidence) => {
        onlyMeterErrors(() => decodeOmsFrame(asFrame(data), KEY, withEvidence ? evidence : undefined));
      }),
      { numRuns: 2000 },
    );
  });

  it('random readings: encoder → M-Bus framer → decoder gives them back', () => {
    fc.assert(
      fc.property(readingsArb, fc.integer({ min: 0, max: 255 }), (input, accessNumber) => {
        const frame = encodeAmisFrame(input, KEY, { ...AMIS_HEADER, accessNumber });
        const events = new MbusFramer().push(frame);
        assert.equal(events.length, 1);
        const event = events[0];
        assert.ok(event?.kind === 'frame');
        const reading = decodeOmsTelegram(event.frame, KEY);
        const t = input.time;
        const two = (n: number): string => n.toString().padStart(2, '0');
        assert.equal(
          reading.time,
          `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}`,
        );
        assert.equal(reading.invokeId, accessNumber);
        const wh = (v: number) => ({ value: v, unit: 'Wh' });
        assert.deepEqual(reading.obis['1-0:1.8.0.255'], wh(input.energyIn));
        assert.deepEqual(reading.obis['1-0:2.8.0.255'], wh(input.energyOut));
        assert.deepEqual(reading.obis['1-0:3.8.1.255'], { value: input.reactiveEnergyIn, unit: 'varh' });
        assert.deepEqual(reading.obis['1-0:4.8.1.255'], { value: input.reactiveEnergyOut, unit: 'varh' });
        assert.deepEqual(reading.obis['1-0:1.7.0.255'], { value: input.powerIn, unit: 'W' });
        assert.deepEqual(reading.obis['1-0:2.7.0.255'], { value: input.powerOut, unit: 'W' });
        assert.deepEqual(reading.obis['1-0:3.7.0.255'], { value: input.reactivePowerIn, unit: 'var' });
        assert.deepEqual(reading.obis['1-0:4.7.0.255'], { value: input.reactivePowerOut, unit: 'var' });
        assert.deepEqual(reading.obis['1-0:1.128.0.255'], wh(input.register1128));
        assert.equal(reading.values.energy_in, input.energyIn / 1000);
        assert.equal(reading.values.reactive_energy_out, input.reactiveEnergyOut / 1000);
        assert.equal(reading.values.power_out, input.powerOut);
      }),
      { numRuns: 500 },
    );
  });
});
