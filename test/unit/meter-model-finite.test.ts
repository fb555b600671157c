import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AXDR, type DlmsValue } from '../../src/dlms/axdr.js';
import { buildTelegram } from '../../src/meter/meter-model.js';

/**
 * A register whose number is not finite (a float holding NaN or ±Infinity, or a scaler that overflows) is
 * no measurement: the meter model leaves it out instead of handing ±Infinity on (found by fuzzing).
 */

const obis = (a: number, b: number, c: number, d: number, e: number): DlmsValue => ({
  type: 'octet-string',
  bytes: Uint8Array.of(a, b, c, d, e, 0xff),
});
const scalerUnit = (scaler: number, unit: number): DlmsValue => ({
  type: 'structure',
  items: [
    { type: 'integer', tag: AXDR.integer, value: scaler },
    { type: 'enum', value: unit },
  ],
});
const register = (code: DlmsValue, value: DlmsValue, su: DlmsValue): DlmsValue => ({
  type: 'structure',
  items: [code, value, su],
});
const float = (value: number): DlmsValue => ({ type: 'float', tag: AXDR.float64, value });
const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });

const context = {
  systemTitle: undefined,
  frameCounter: undefined,
  longInvokeIdAndPriority: 1,
  dateTime: undefined,
};

describe('meter model: only finite numbers', () => {
  it('a float register holding Infinity, −Infinity or NaN, and a scaler of 10^127 on a big value, are left out', () => {
    const body: DlmsValue = {
      type: 'structure',
      items: [
        register(obis(1, 0, 32, 7, 0), float(Number.POSITIVE_INFINITY), scalerUnit(0, 35)),
        register(obis(1, 0, 52, 7, 0), float(Number.NEGATIVE_INFINITY), scalerUnit(0, 35)),
        register(obis(1, 0, 72, 7, 0), float(Number.NaN), scalerUnit(0, 35)),
        register(obis(1, 0, 1, 8, 0), float(1e300), scalerUnit(127, 30)),
        register(obis(1, 0, 2, 8, 0), u32(1234), scalerUnit(0, 30)),
      ],
    };
    const telegram = buildTelegram(context, body);
    assert.deepEqual(telegram.values, { energy_out: 1.234 });
    for (const reading of Object.values(telegram.obis)) {
      if (typeof reading.value === 'number') assert.ok(Number.isFinite(reading.value), String(reading.value));
    }
    assert.deepEqual(Object.keys(telegram.obis), ['1-0:2.8.0.255']);
  });
});
