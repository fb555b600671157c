import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import type { DlmsKeys } from '../../src/dlms/decrypt.js';
import { encodeDsmrText, encodeT210dRApdu } from '../../src/encode/dsmr-encoder.js';
import { encodeGloCiphering, encodeMbusLongFrame } from '../../src/encode/telegram-encoder.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import { ascii, dsmrFixture, T210D_R_INPUT } from '../support/dsmr-fixtures.js';
import { concatBytes, framesOf, hex, VECTORS } from '../support/vectors.js';

/** General-glo-ciphering APDUs on the line with no frame around them (the T210-D-r's P1 port). */

const T210D_R = dsmrFixture('t210d-r-energienetze-steiermark');
const FIXTURE_KEYS: DlmsKeys = {
  encryptionKey: hex(T210D_R.key_hex as string),
  authenticationKey: hex(T210D_R.auth_key_hex as string),
};
const EK = hex('000102030405060708090A0B0C0D0E0F');
const AK = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const KEYS: DlmsKeys = { encryptionKey: EK, authenticationKey: AK };
const TITLE = ascii('SAG\u0005\u0000\u0000@Y');

/** The published T210-D-r telegram's readings: pushes that follow on from it. */
const INPUT = T210D_R_INPUT;

/** Pushes of one meter, one per second, with the energy counting up. */
function pushes(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, n) =>
    encodeT210dRApdu(
      {
        ...INPUT,
        time: { ...INPUT.time, second: 14 + n },
        registers: { ...INPUT.registers, energyInWh: INPUT.registers.energyInWh + n },
      },
      { systemTitle: TITLE, frameCounter: 0x49 + n, encryptionKey: EK, authenticationKey: AK },
    ),
  );
}

function decode(
  chunks: readonly Uint8Array[],
  keys: DlmsKeys,
): { events: DecoderEvent[]; decoder: TelegramDecoder } {
  const decoder = new TelegramDecoder(keys);
  const events = chunks.flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  return { events, decoder };
}

const telegrams = (events: readonly DecoderEvent[]): Telegram[] =>
  events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
const rejections = (events: readonly DecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : []));

describe('bare APDU on the line', () => {
  it('the published T210-D-r APDU, alone in a stream: its tag verifies and its DSMR text decodes', () => {
    const { events, decoder } = decode([hex(T210D_R.apdu_hex as string)], FIXTURE_KEYS);
    assert.deepEqual(rejections(events), []);
    const [telegram, ...more] = telegrams(events);
    assert.equal(more.length, 0);
    assert.equal(decoder.framing, 'apdu');
    assert.equal(telegram?.time, '2022-10-06T15:50:14+02:00');
    assert.equal(telegram?.systemTitle, T210D_R.apdu_hex?.slice(4, 20));
    assert.deepEqual(telegram?.values, {
      energy_in: 6545.766,
      energy_out: 0.058,
      reactive_energy_in: 0.747,
      reactive_energy_out: 3897.726,
      power_in: 286,
      power_out: 0,
      power: 286,
      reactive_power_in: 0,
      reactive_power_out: 166,
      energy_in_t1: 5017.12,
      energy_in_t2: 1528.646,
      energy_out_t1: 0,
      energy_out_t2: 0.058,
    });
    assert.deepEqual(telegram?.obis['1-0:1.8.2.255'], { value: 1528646, unit: 'Wh' });
  });

  it('a stream of encoder-built pushes with garbage around and between: every push, whole or byte by byte', () => {
    const [a, b, c] = pushes(3) as [Uint8Array, Uint8Array, Uint8Array];
    const stream = concatBytes([hex('00DB0811FF'), a, b, hex('DB08'), c, hex('7E7EDB')]);
    const whole = decode([stream], KEYS);
    const energies = telegrams(whole.events).map((t) => t.values.energy_in);
    assert.deepEqual(energies, [6545.766, 6545.767, 6545.768]);
    assert.deepEqual(rejections(whole.events), []);
    const bytewise = decode(
      Array.from(stream, (x) => Uint8Array.of(x)),
      KEYS,
    );
    assert.deepEqual(telegrams(bytewise.events), telegrams(whole.events));
  });

  it('without the authentication key: every push decoded, each marked as a tag not checked', () => {
    const { events } = decode([concatBytes(pushes(3))], { encryptionKey: EK });
    assert.equal(rejections(events).length, 0);
    const read = telegrams(events);
    assert.deepEqual(
      read.map((t) => t.values),
      telegrams(decode([concatBytes(pushes(3))], KEYS).events).map((t) => t.values),
    );
    assert.deepEqual(
      read.map((t) => t.tagUnchecked),
      [true, true, true],
    );
  });

  it('without the authentication key and with a wrong encryption key: WRONG_KEY, never values', () => {
    const wrong = Uint8Array.from(EK);
    wrong[3] = (wrong[3] as number) ^ 0x40;
    const { events } = decode([concatBytes(pushes(3))], { encryptionKey: wrong });
    assert.equal(telegrams(events).length, 0);
    assert.ok(
      rejections(events).length > 0 && rejections(events).every((c) => c === 'WRONG_KEY'),
      rejections(events).join(),
    );
  });

  it('with no key at all: NO_KEY for the encryption key', () => {
    const { events, decoder } = decode([concatBytes(pushes(3))], {});
    assert.equal(decoder.framing, 'apdu');
    const rejected = events.flatMap((e) => (e.kind === 'rejected' ? [e.error] : []));
    assert.deepEqual(
      rejected.map((e) => e.code),
      ['NO_KEY', 'NO_KEY'],
    );
    assert.match(rejected[0]?.message ?? '', /no key was given/);
  });

  it('a wrong encryption key under a good tag is AUTH_FAILED, never values', () => {
    const wrong = Uint8Array.from(EK);
    wrong[3] = (wrong[3] as number) ^ 0x40;
    const { events } = decode([concatBytes(pushes(3))], { encryptionKey: wrong, authenticationKey: AK });
    assert.equal(telegrams(events).length, 0);
    assert.deepEqual(rejections(events), ['AUTH_FAILED', 'AUTH_FAILED']);
  });

  it('an APDU inside an M-Bus or HDLC frame stays that framing’s', () => {
    for (const index of [0, 12, 18]) {
      const v = VECTORS[index];
      assert.ok(v !== undefined);
      const keys = {
        encryptionKey: hex(v.key_hex as string),
        authenticationKey: v.auth_key_hex === null ? undefined : hex(v.auth_key_hex),
      };
      const { decoder } = decode([concatBytes([...framesOf(v), ...framesOf(v)])], keys);
      assert.equal(decoder.framing, v.transport === 'mbus' ? 'mbus' : 'hdlc', v.operator);
    }
    // A single-frame M-Bus telegram whose APDU is whole inside it.
    const apdu = encodeGloCiphering({
      systemTitle: TITLE,
      frameCounter: 1,
      securityControl: 0x30,
      encryptionKey: EK,
      authenticationKey: AK,
      plaintext: encodeDsmrText('ABC5\\x', [{ obis: '1-0:1.8.0', groups: ['000001.000*kWh'] }]),
    });
    const frame = encodeMbusLongFrame(0x10, concatBytes([Uint8Array.of(0x01, 0x67), apdu]));
    const { decoder } = decode([concatBytes([frame, frame])], KEYS);
    assert.equal(decoder.framing, 'mbus');
  });
});
