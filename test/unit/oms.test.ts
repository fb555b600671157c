import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyEvidence } from '../../src/decoder/key-evidence.js';
import { decodeOmsTelegram } from '../../src/decoder/oms-decoder.js';
import { AMIS_HEADER, encodeAmisFrame, encodeOmsMode5Frame } from '../../src/encode/oms-encoder.js';
import { isMeterError } from '../../src/errors.js';
import { type MbusFrame, mbusChecksum } from '../../src/mbus/mbus-frame.js';
import { MbusFramer } from '../../src/mbus/mbus-framer.js';
import { UNIT_CONVERSIONS, VALUE_KEYS } from '../../src/meter/value-keys.js';
import { parseDataRecords } from '../../src/oms/dif-vif.js';
import { decryptOmsMode5 } from '../../src/oms/oms-decrypt.js';
import { parseOmsLongHeader } from '../../src/oms/oms-header.js';
import { decodeOmsFrame, isOmsFrame } from '../../src/oms/oms-telegram.js';
import { hex, VECTORS } from '../support/vectors.js';

/** OMS mode 5 (Siemens AMIS, Netz Oberösterreich): vector 22 through src/oms, and the encoder back. */

const AMIS = VECTORS.find((v) => v.transport.startsWith('mbus-oms-mode5'));
assert.ok(AMIS !== undefined, 'the fixture file holds the AMIS capture');
const KEY = hex(AMIS.key_hex as string);
const FRAME = hex(AMIS.frames_hex[0] as string);
const PLAINTEXT = hex(AMIS.plaintext_hex as string);

const SOME_READINGS = {
  time: { year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 1 },
  energyIn: 1,
  energyOut: 2,
  reactiveEnergyIn: 3,
  reactiveEnergyOut: 4,
  powerIn: 5,
  powerOut: 6,
  reactivePowerIn: 7,
  reactivePowerOut: 8,
  register1128: 9,
};

function framed(bytes: Uint8Array): MbusFrame {
  const events = new MbusFramer().push(bytes);
  assert.equal(events.length, 1);
  const event = events[0];
  assert.ok(event?.kind === 'frame', JSON.stringify(event));
  return event.frame;
}

function code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isMeterError(error), `not a MeterError: ${String(error)}`);
    return error.code;
  }
  return 'no error';
}

/** "17931540 Wh" → 17931540, 'Wh'; "1.8.0 (04 03)" → 1-0:1.8.0.255: the vector's own words, read independently. */
function expectedFromVector(): { obis: Record<string, { value: number; unit: string }>; time: string } {
  const obis: Record<string, { value: number; unit: string }> = {};
  let time = '';
  for (const [label, text] of Object.entries(AMIS?.expected ?? {})) {
    assert.equal(typeof text, 'string');
    if (label.startsWith('datetime')) {
      time = (text as string).replace(' ', 'T');
      continue;
    }
    const [value, unit] = (text as string).split(' ');
    obis[`1-0:${label.split(' ')[0]}.255`] = { value: Number(value), unit: unit as string };
  }
  return { obis, time };
}

describe('OMS mode 5: the Siemens AMIS capture (vector 22)', () => {
  it('the M-Bus framer delivers it as one long frame with CI 0x5B, unchanged', () => {
    const frame = framed(FRAME);
    assert.equal(frame.ciField, 0x5b);
    assert.equal(frame.cField, 0x73);
    assert.equal(frame.aField, 0xf0);
    assert.equal(frame.lengthOverflow, false);
    assert.ok(isOmsFrame(frame));
    assert.deepEqual(frame.raw, FRAME);
  });

  it('its long header: Siemens (SAM), identification 00000000, access number 12, mode 5 with 5 blocks', () => {
    const header = parseOmsLongHeader(0x5b, framed(FRAME).data);
    assert.equal(header.manufacturer, 'SAM');
    assert.equal(header.manufacturerCode, 0x4c2d);
    assert.equal(header.identification, '00000000');
    assert.equal(header.version, 0x01);
    assert.equal(header.medium, 0x0e);
    assert.equal(header.accessNumber, 12);
    assert.equal(header.status, 0);
    assert.equal(header.mode, 5);
    assert.equal(header.encryptedLength, 80);
  });

  it('decrypts to exactly its published plaintext', () => {
    const data = framed(FRAME).data;
    const { plaintext } = decryptOmsMode5(parseOmsLongHeader(0x5b, data), data, KEY);
    assert.deepEqual(plaintext, PLAINTEXT);
  });

  it("decodes to the source's expected values, in Wh, varh, W and var, and to our value keys", () => {
    const expected = expectedFromVector();
    const reading = decodeOmsTelegram(framed(FRAME), KEY);
    assert.equal(reading.time, '2023-05-11T21:28:14');
    assert.equal(reading.time, expected.time);
    const { ['0-0:1.0.0.255']: clock, ...registers } = reading.obis;
    assert.deepEqual(clock, { value: expected.time });
    // The source names both reactive energies 3.8.1/4.8.1 and its reactive power "var"; its units say so too.
    assert.deepEqual(registers, expected.obis);
    assert.deepEqual(reading.values, {
      energy_in: 17931.54,
      energy_out: 0,
      reactive_energy_in: 1522.032,
      reactive_energy_out: 3728.427,
      power_in: 326,
      power_out: 0,
      // Net power, as the DLMS path derives it from power_in and power_out.
      power: 326,
      reactive_power_in: 0,
      reactive_power_out: 349,
    });
    assert.equal(reading.meterId, undefined, 'AMIS sends identification 00000000: no meter number');
    const other = decodeOmsTelegram(framed(encodeAmisFrame(SOME_READINGS, KEY)), KEY);
    assert.equal(
      other.structure,
      reading.structure,
      'another telegram of the same layout, the same structure',
    );
  });

  it('names only value keys that src/meter publishes, each in a unit it converts', () => {
    const reading = decodeOmsTelegram(framed(FRAME), KEY);
    for (const key of Object.keys(reading.values)) {
      const spec = VALUE_KEYS.find((s) => s.key === key);
      assert.ok(spec !== undefined, `${key} is a value key`);
      const meterUnit = Object.entries(reading.obis).find(([obis]) => obis === spec.obis)?.[1].unit;
      if (meterUnit !== undefined) {
        assert.notEqual(
          UNIT_CONVERSIONS[spec.unit as string]?.[meterUnit],
          undefined,
          `${key}: ${meterUnit}`,
        );
      }
    }
  });

  it('the values are plausible for a household meter', () => {
    const values = decodeOmsTelegram(framed(FRAME), KEY).values;
    // 17.9 MWh of import: a few years of a household; 326 W import at 21:28.
    assert.ok((values.energy_in as number) > 1_000 && (values.energy_in as number) < 1_000_000);
    assert.ok((values.power_in as number) >= 0 && (values.power_in as number) < 50_000);
  });
});

describe('OMS mode 5: keys', () => {
  it('a wrong key is WRONG_KEY, in the words of the DLMS path', () => {
    const wrong = Uint8Array.from(KEY);
    wrong[0] = (wrong[0] as number) ^ 1;
    try {
      decodeOmsFrame(framed(FRAME), wrong);
      assert.fail('decoded with a wrong key');
    } catch (error) {
      assert.ok(isMeterError(error));
      assert.equal(error.code, 'WRONG_KEY');
      assert.match(error.message, /^The key does not fit this meter: /);
      assert.match(error.message, /SAM 00000000/);
      assert.deepEqual(error.raw, FRAME);
    }
  });

  it('no key is NO_KEY', () => {
    assert.equal(
      code(() => decodeOmsFrame(framed(FRAME), undefined)),
      'NO_KEY',
    );
  });

  it("after this key decoded this meter, a damaged first block is a lost telegram, not WRONG_KEY (the DLMS path's KeyEvidence fits)", () => {
    const evidence = new KeyEvidence();
    decodeOmsFrame(framed(FRAME), KEY, evidence);
    const damaged = Uint8Array.from(FRAME);
    damaged[7 + 12] = (damaged[7 + 12] as number) ^ 0x01;
    damaged[damaged.length - 2] = mbusChecksum(damaged, 4, damaged.length - 2);
    assert.equal(
      code(() => decodeOmsFrame(framed(damaged), KEY, evidence)),
      'FRAME_INVALID',
    );
    assert.equal(
      code(() => decodeOmsFrame(framed(damaged), KEY)),
      'WRONG_KEY',
    );
  });
});

describe('OMS long header: malformed', () => {
  const data = framed(FRAME).data;
  it('another CI is UNSUPPORTED', () => {
    assert.equal(
      code(() => parseOmsLongHeader(0x72, data)),
      'UNSUPPORTED',
    );
  });
  it('a header cut short is TRUNCATED', () => {
    assert.equal(
      code(() => parseOmsLongHeader(0x5b, data.subarray(0, 11))),
      'TRUNCATED',
    );
  });
  it('mode 0 or 7 is UNSUPPORTED; mode 5 without a block is FRAME_INVALID; more blocks than bytes TRUNCATED', () => {
    const withConfig = (low: number, high: number): Uint8Array => {
      const copy = Uint8Array.from(data);
      copy[10] = low;
      copy[11] = high;
      return copy;
    };
    assert.equal(
      code(() => parseOmsLongHeader(0x5b, withConfig(0x50, 0x00))),
      'UNSUPPORTED',
    );
    assert.equal(
      code(() => parseOmsLongHeader(0x5b, withConfig(0x50, 0x07))),
      'UNSUPPORTED',
    );
    assert.equal(
      code(() => parseOmsLongHeader(0x5b, withConfig(0x00, 0x05))),
      'FRAME_INVALID',
    );
    assert.equal(
      code(() => parseOmsLongHeader(0x5b, withConfig(0x60, 0x05))),
      'TRUNCATED',
    );
  });
});

describe('M-Bus records', () => {
  it('reads BCD (with its minus sign), text sent last character first, and stops at 0x0F', () => {
    const parsed = parseDataRecords(
      Uint8Array.of(
        0x2f,
        0x0c,
        0x03,
        0x78,
        0x56,
        0x34,
        0xf2,
        0x0d,
        0xfd,
        0x0c,
        0x03,
        0x43,
        0x42,
        0x41,
        0x0f,
        1,
        2,
      ),
    );
    assert.equal(parsed.records.length, 2);
    assert.deepEqual(parsed.records[0]?.value, { kind: 'integer', value: -2345678 });
    assert.equal(parsed.records[0]?.info.unit, 'Wh');
    assert.deepEqual(parsed.records[1]?.value, { kind: 'text', text: 'ABC' });
    assert.deepEqual(parsed.manufacturerData, Uint8Array.of(1, 2));
    assert.equal(parsed.moreRecordsFollow, false);
  });

  it('a record cut short, a reserved DIF or eleven DIFE are FRAME_INVALID', () => {
    assert.equal(
      code(() => parseDataRecords(Uint8Array.of(0x04, 0x03, 0x01, 0x02))),
      'FRAME_INVALID',
    );
    assert.equal(
      code(() => parseDataRecords(Uint8Array.of(0x04))),
      'FRAME_INVALID',
    );
    assert.equal(
      code(() => parseDataRecords(Uint8Array.of(0x3f))),
      'FRAME_INVALID',
    );
    assert.equal(
      code(() => parseDataRecords(Uint8Array.of(0x84, ...new Array(11).fill(0x80), 0x00, 0x03))),
      'FRAME_INVALID',
    );
  });
});

describe('OMS encoder', () => {
  it("re-encrypts the capture's plaintext to the capture, byte for byte", () => {
    const frame = encodeOmsMode5Frame({ ...AMIS_HEADER, accessNumber: 12 }, PLAINTEXT, KEY);
    assert.deepEqual(frame, FRAME);
  });

  it("encodes the capture's values to its records (the time's flag bits aside) and decodes them back", () => {
    const frame = encodeAmisFrame(
      {
        time: { year: 2023, month: 5, day: 11, hour: 21, minute: 28, second: 14 },
        energyIn: 17931540,
        energyOut: 0,
        reactiveEnergyIn: 1522032,
        reactiveEnergyOut: 3728427,
        powerIn: 326,
        powerOut: 0,
        reactivePowerIn: 0,
        reactivePowerOut: 349,
        register1128: 0,
      },
      KEY,
      { ...AMIS_HEADER, accessNumber: 12 },
    );
    const data = framed(frame).data;
    const { plaintext } = decryptOmsMode5(parseOmsLongHeader(0x5b, data), data, KEY);
    const expected = Uint8Array.from(PLAINTEXT);
    // Bit 6 of the seconds byte is set in the capture; what it flags is not published, and we send 0.
    expected[4] = (expected[4] as number) & 0x3f;
    assert.deepEqual(plaintext, expected);
    assert.deepEqual(decodeOmsTelegram(framed(frame), KEY), decodeOmsTelegram(framed(FRAME), KEY));
  });
});
