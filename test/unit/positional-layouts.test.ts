import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { AXDR, type DlmsValue } from '../../src/dlms/axdr.js';
import { isMeterError } from '../../src/errors.js';
import { buildTelegram, type Telegram } from '../../src/meter/meter-model.js';
import { positionalRegisters } from '../../src/meter/positional-layouts.js';
import { concatBytes, framesOf, hex, label, VECTORS, type Vector } from '../support/vectors.js';

/**
 * The positional push lists (no OBIS codes) of the real captures: Netz Burgenland E450 (vectors 13, 14),
 * Wiener Netze AM550 / E450 (15, 17, 18) and Siemens IM350 (16), through the same TelegramDecoder as every
 * other meter, decode to each entry's `expected.positional_values`, each place under the OBIS code it stands
 * for, with the GCM tag verified where the entry gives an authentication key.
 */

const POSITIONAL = VECTORS.filter((v) => v.transport === 'hdlc' && v.key_hex !== null);

const WIENER_NETZE = [
  '1-0:1.8.0.255',
  '1-0:2.8.0.255',
  '1-0:3.8.0.255',
  '1-0:4.8.0.255',
  '1-0:1.7.0.255',
  '1-0:2.7.0.255',
  '1-0:3.7.0.255',
  '1-0:4.7.0.255',
];
const WIENER_NETZE_UNITS = ['Wh', 'Wh', 'varh', 'varh', 'W', 'W', 'var', 'var'];

function decode(v: Vector): { events: DecoderEvent[]; telegrams: Telegram[] } {
  const decoder = new TelegramDecoder({
    encryptionKey: hex(v.key_hex as string),
    authenticationKey: v.auth_key_hex === null ? undefined : hex(v.auth_key_hex),
  });
  const events = [...decoder.push(concatBytes(framesOf(v))), ...decoder.end()];
  return { events, telegrams: events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : [])) };
}

const positionalValues = (v: Vector): (number | string)[] =>
  (v.expected?.['positional_values'] as unknown as (number | string)[]) ?? [];

/** "2021-10-13T07:30:57+02:00 (clock_status=0x80)" → the time as the decoder writes it. */
const timeOf = (text: string): string => text.replace(/ \(clock_status=0x[0-9a-f]+\)$/i, '');

describe('positional layouts of the real captures', () => {
  it('there are six: two Burgenland E450, three Wiener Netze 9-element, one IM350', () => {
    assert.deepEqual(
      POSITIONAL.map((v) => positionalValues(v).length),
      [14, 14, 9, 10, 9, 9],
    );
  });

  for (const v of POSITIONAL) {
    const expected = positionalValues(v);
    it(`${label(v)} decodes to its expected positional values`, () => {
      const { events, telegrams } = decode(v);
      assert.deepEqual(
        events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : [])),
        [],
      );
      assert.equal(telegrams.length, 1);
      const t = telegrams[0] as Telegram;
      assert.equal(t.systemTitle, v.system_title_hex);
      assert.equal(t.frameCounter, Number.parseInt(v.frame_counter_hex as string, 16));

      if (expected.length === 14) {
        // U1–U3 in V, I1–I3 in 0.01 A, +P/−P in W, +A/−A in Wh, three unknown values (not published), meter ID.
        const [u1, u2, u3, i1, i2, i3, pIn, pOut, aIn, aOut, , , , id] = expected as number[];
        assert.deepEqual(t.obis, {
          '1-0:32.7.0.255': { value: u1, unit: 'V' },
          '1-0:52.7.0.255': { value: u2, unit: 'V' },
          '1-0:72.7.0.255': { value: u3, unit: 'V' },
          '1-0:31.7.0.255': { value: (i1 as number) / 100, unit: 'A' },
          '1-0:51.7.0.255': { value: (i2 as number) / 100, unit: 'A' },
          '1-0:71.7.0.255': { value: (i3 as number) / 100, unit: 'A' },
          '1-0:1.7.0.255': { value: pIn, unit: 'W' },
          '1-0:2.7.0.255': { value: pOut, unit: 'W' },
          '1-0:1.8.0.255': { value: aIn, unit: 'Wh' },
          '1-0:2.8.0.255': { value: aOut, unit: 'Wh' },
          '0-0:96.1.0.255': { value: id },
        });
        assert.deepEqual(t.values, {
          energy_in: (aIn as number) / 1000,
          energy_out: (aOut as number) / 1000,
          power_in: pIn,
          power_out: pOut,
          power: (pIn as number) - (pOut as number),
          voltage_l1: u1,
          voltage_l2: u2,
          voltage_l3: u3,
          current_l1: (i1 as number) / 100,
          current_l2: (i2 as number) / 100,
          current_l3: (i3 as number) / 100,
          meter_id: id,
        });
        assert.equal(t.meterId, id);
        // The authentication key was given: the tag was checked (a wrong one is AUTH_FAILED, below).
        assert.ok(v.auth_key_hex !== null);
        return;
      }

      const serial = expected.length === 10 ? (expected[0] as string) : undefined;
      const [clock, ...registers] = expected.slice(expected.length - 9) as [string, ...number[]];
      const obis: Record<string, { value: number | string; unit?: string }> = {};
      if (serial !== undefined) obis['0-0:96.1.0.255'] = { value: serial };
      WIENER_NETZE.forEach((code, i) => {
        obis[code] = { value: registers[i] as number, unit: WIENER_NETZE_UNITS[i] as string };
      });
      obis['0-0:1.0.0.255'] = { value: timeOf(clock) };
      assert.deepEqual(t.obis, obis);
      const [aIn, aOut, rIn, rOut, pIn, pOut, qIn, qOut] = registers;
      assert.deepEqual(t.values, {
        energy_in: (aIn as number) / 1000,
        energy_out: (aOut as number) / 1000,
        reactive_energy_in: (rIn as number) / 1000,
        reactive_energy_out: (rOut as number) / 1000,
        power_in: pIn,
        power_out: pOut,
        power: (pIn as number) - (pOut as number),
        reactive_power_in: qIn,
        reactive_power_out: qOut,
        ...(serial === undefined ? {} : { meter_id: serial }),
      });
      // No serial in the push: no meter id is made up (not from the system title either).
      assert.equal(t.meterId, serial);
      assert.equal(t.time, timeOf(clock));
    });
  }

  for (const v of POSITIONAL.filter((v) => v.auth_key_hex !== null)) {
    it(`${label(v)} with a wrong authentication key is AUTH_FAILED, not decoded`, () => {
      const decoder = new TelegramDecoder({
        encryptionKey: hex(v.key_hex as string),
        authenticationKey: new Uint8Array(16),
      });
      const events = [...decoder.push(concatBytes(framesOf(v))), ...decoder.end()];
      assert.equal(events.filter((e) => e.kind === 'telegram').length, 0);
      assert.deepEqual(
        events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : [])),
        ['AUTH_FAILED'],
      );
    });
  }
});

const u16 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.longUnsigned, value });
const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });
const text = (s: string): DlmsValue => ({ type: 'octet-string', bytes: Buffer.from(s, 'latin1') });
const CLOCK: DlmsValue = { type: 'octet-string', bytes: hex('07E50A0D03071E3900FF8880') };
const CONTEXT = {
  systemTitle: undefined,
  frameCounter: undefined,
  longInvokeIdAndPriority: 1,
  dateTime: undefined,
};

describe('positional shapes', () => {
  const burgenland11 = [
    u16(230),
    u16(231),
    u16(232),
    u16(100),
    u16(0),
    u16(5),
    u32(250),
    u32(0),
    u32(1000),
    u32(2),
  ];

  it("the 11-element Burgenland variant (amsreader LNG2.h's Lng2Data_3p_0b) reads alike", () => {
    const t = buildTelegram(CONTEXT, { type: 'structure', items: [...burgenland11, text('30137181')] });
    assert.equal(t.values.current_l1, 1);
    assert.equal(t.values.energy_in, 1);
    assert.equal(t.meterId, '30137181');
  });

  it('a hint restricts the shapes to its family', () => {
    const body: DlmsValue = { type: 'structure', items: [CLOCK, ...Array.from({ length: 8 }, () => u32(1))] };
    assert.ok(positionalRegisters(body) !== undefined);
    assert.ok(positionalRegisters(body, 'wiener-netze') !== undefined);
    assert.equal(positionalRegisters(body, 'netz-burgenland'), undefined);
  });

  it('a shape that is close but not known is UNSUPPORTED with a reason, never guessed', () => {
    const near: DlmsValue[][] = [
      // Wiener Netze with one value missing, one too many, or a value of another type.
      [CLOCK, ...Array.from({ length: 7 }, () => u32(1))],
      [CLOCK, ...Array.from({ length: 9 }, () => u32(1))],
      [CLOCK, ...Array.from({ length: 7 }, () => u32(1)), u16(1)],
      // A serial but no clock (the Slovenian E450's list, power first: its order is another).
      [text('999999999999'), ...Array.from({ length: 8 }, () => u32(1))],
      // Burgenland with its meter number not text.
      [...burgenland11, u32(30137181)],
    ];
    for (const items of near) {
      assert.throws(
        () => buildTelegram(CONTEXT, { type: 'structure', items }),
        (e: unknown) => isMeterError(e) && e.code === 'UNSUPPORTED' && /no OBIS codes/.test(e.message),
      );
    }
  });
});
