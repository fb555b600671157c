import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseObis } from '../../src/cosem/obis.js';
import { AXDR, type DlmsValue, decodeAxdr } from '../../src/dlms/axdr.js';
import { encodeAxdr } from '../../src/encode/axdr-encoder.js';
import { encodeCosemDateTime } from '../../src/encode/push-layouts.js';
import { isMeterError } from '../../src/errors.js';
import { buildTelegram, type NotificationContext } from '../../src/meter/meter-model.js';

/**
 * Pushes that name their values with COSEM object descriptors before them (push_object_list), built with
 * our own A-XDR encoder and read back through the A-XDR decoder and the meter model.
 */

const CONTEXT: NotificationContext = {
  systemTitle: undefined,
  frameCounter: undefined,
  longInvokeIdAndPriority: 1,
  dateTime: undefined,
};

const u16 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.longUnsigned, value });
const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });
const i8 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.integer, value });
const octets = (bytes: Uint8Array): DlmsValue => ({ type: 'octet-string', bytes });
const obis = (text: string): DlmsValue => octets(parseObis(text) as Uint8Array);
const structure = (...items: DlmsValue[]): DlmsValue => ({ type: 'structure', items });
const array = (...items: DlmsValue[]): DlmsValue => ({ type: 'array', items });
const descriptor = (classId: number, ln: string, attribute: number): DlmsValue =>
  structure(u16(classId), obis(ln), i8(attribute), u16(0));
const scalerUnit = (scaler: number, unit: number): DlmsValue =>
  structure(i8(scaler), { type: 'enum', value: unit });

const CLOCK = octets(
  encodeCosemDateTime({
    year: 2026,
    month: 11,
    day: 25,
    hour: 21,
    minute: 5,
    second: 0,
    utcOffsetMinutes: 60,
  }),
);

type Registers = { energyInWh: number; powerInW: number; decivolts: number };

function descriptors(): DlmsValue {
  return array(
    descriptor(8, '0-0:1.0.0.255', 2),
    descriptor(3, '1-0:1.8.0.255', 2),
    descriptor(3, '1-0:1.8.0.255', 3),
    descriptor(3, '1-0:1.7.0.255', 2),
    descriptor(3, '1-0:32.7.0.255', 2),
    descriptor(3, '1-0:32.7.0.255', 3),
    descriptor(1, '0-0:96.1.0.255', 2),
  );
}

function values(r: Registers): DlmsValue[] {
  return [
    CLOCK,
    u32(r.energyInWh),
    scalerUnit(0, 30),
    u32(r.powerInW),
    u16(r.decivolts),
    scalerUnit(-1, 35),
    octets(new TextEncoder().encode('1KFM0200000001')),
  ];
}

/** Through the wire's A-XDR bytes, as a decrypted push would arrive. */
const read = (body: DlmsValue) => buildTelegram(CONTEXT, decodeAxdr(encodeAxdr(body)));

describe('pushes with a list of object descriptors before the values', () => {
  const r: Registers = { energyInWh: 1_234_567, powerInW: 500, decivolts: 2331 };
  const expected = {
    energy_in: 1234.567,
    power_in: 500,
    voltage_l1: 233.1,
    meter_id: '1KFM0200000001',
  };

  it('values after the list, one per descriptor: each under its descriptor, with the scaler and unit of attribute 3', () => {
    const t = read(structure(descriptors(), ...values(r)));
    assert.deepEqual(t.values, expected);
    assert.equal(t.time, '2026-11-25T21:05:00+01:00');
    assert.equal(t.meterId, '1KFM0200000001');
  });

  it('the same values in one structure after the list', () => {
    assert.deepEqual(read(structure(descriptors(), structure(...values(r)))).values, expected);
  });

  it('a list and values that differ in number: UNSUPPORTED, nothing published under a guessed name', () => {
    assert.throws(
      () => read(structure(descriptors(), ...values(r).slice(1))),
      (e: unknown) => isMeterError(e) && e.code === 'UNSUPPORTED' && /object descriptors/.test(e.message),
    );
  });

  it('a descriptor standing alone is not read as "OBIS code, value": its attribute index is not an energy total', () => {
    const t = read(structure(descriptor(3, '1-0:1.8.0.255', 2), obis('1-0:1.7.0.255'), u32(300)));
    assert.deepEqual(t.values, { power_in: 300 });
    assert.equal(t.obis['1-0:1.8.0.255'], undefined);
  });

  it('round-trips random register values, flat or nested', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.boolean(),
        (energyInWh, powerInW, decivolts, nested) => {
          const v = values({ energyInWh, powerInW, decivolts });
          const t = read(nested ? structure(descriptors(), structure(...v)) : structure(descriptors(), ...v));
          assert.equal(t.values.energy_in, energyInWh / 1000);
          assert.equal(t.values.power_in, powerInW);
          assert.equal(t.values.voltage_l1, decivolts / 10);
        },
      ),
      { numRuns: 300 },
    );
  });
});
