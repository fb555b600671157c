import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDsmrText } from '../../src/decoder/dsmr-decoder.js';
import { decryptGloCiphered } from '../../src/dlms/decrypt.js';
import { decodeGeneralGloCiphering } from '../../src/dlms/glo-ciphering.js';
import { crc16Arc } from '../../src/dsmr/dsmr-crc.js';
import { parseDsmrTelegram, parseTimestamp } from '../../src/dsmr/dsmr-telegram.js';
import { isMeterError } from '../../src/errors.js';
import { ascii, dsmrFixture } from '../support/dsmr-fixtures.js';
import { hex } from '../support/vectors.js';

const T210D_R = dsmrFixture('t210d-r-energienetze-steiermark');
const GH264 = dsmrFixture('gh264-graz-styria');
const ISK5 = dsmrFixture('iskra-am550-dsmr5');

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isMeterError(error), `not a MeterError: ${String(error)}`);
    return error.code;
  }
  return 'no error';
}

/** A telegram with its CRC, from lines written after P1 Companion Standard 5.0.2 §6.12 (Table "data objects"). */
function withCrc(body: string): string {
  const text = `${body}\r\n!`;
  return `${text}${crc16Arc(ascii(text)).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
}

describe('DSMR CRC-16/ARC', () => {
  it('has the catalogued check value 0xBB3D for "123456789"', () => {
    assert.equal(crc16Arc(ascii('123456789')), 0xbb3d);
  });

  it('is 0 for no bytes and clamps its bounds', () => {
    assert.equal(crc16Arc(new Uint8Array(0)), 0);
    assert.equal(crc16Arc(ascii('123456789'), -5, 100), 0xbb3d);
  });

  it('matches the CRC two real meters sent (T210-D-r 7EF9, Iskra AM550 8B0C)', () => {
    for (const [fixture, crc] of [
      [T210D_R, 0x7ef9],
      [ISK5, 0x8b0c],
    ] as const) {
      const bytes = ascii(fixture.text);
      assert.equal(crc16Arc(bytes, 0, bytes.indexOf(0x21) + 1), crc, fixture.name);
    }
  });
});

describe('DSMR telegram parser', () => {
  it('reads the real T210-D-r telegram of Energienetze Steiermark: every line, CRC checked', () => {
    const telegram = parseDsmrTelegram(T210D_R.text);
    assert.equal(telegram.identification, 'EST5\\253710000_A');
    assert.equal(telegram.crc, 0x7ef9);
    assert.equal(telegram.ignoredLines, 0);
    assert.equal(telegram.objects.length, 18);
    assert.deepEqual(telegram.objects[0], {
      obis: '1-3:0.2.8',
      fields: [{ text: '50', mantissa: 50, exponent: 0, number: 50 }],
    });
    assert.deepEqual(telegram.objects[1], {
      obis: '0-0:1.0.0',
      fields: [{ text: '221006155014S', time: '2022-10-06T15:50:14+02:00' }],
    });
    assert.deepEqual(telegram.objects[2], {
      obis: '1-0:1.8.0',
      fields: [{ text: '006545766*Wh', mantissa: 6545766, exponent: 0, number: 6545766, unit: 'Wh' }],
    });
  });

  it('gives the same objects for bytes and for the string', () => {
    assert.deepEqual(parseDsmrTelegram(ascii(T210D_R.text)), parseDsmrTelegram(T210D_R.text));
  });

  it('reads a DSMR 5 telegram with multi-group lines (power-failure log, gas) and decimals', () => {
    const telegram = parseDsmrTelegram(ISK5.text);
    const byObis = new Map(telegram.objects.map((o) => [o.obis, o.fields]));
    assert.equal(byObis.get('1-0:99.97.0')?.length, 6);
    assert.deepEqual(
      byObis.get('0-1:24.2.1')?.map((f) => f.time ?? f.number),
      ['2020-09-24T15:09:58+02:00', 744.192],
    );
    assert.deepEqual(byObis.get('0-0:96.13.0'), [{ text: '' }]);
    assert.equal(byObis.get('1-0:1.7.0')?.[0]?.number, 0.42);
  });

  it('accepts a telegram without CRC (`!` alone) and LF line ends', () => {
    const telegram = parseDsmrTelegram(`${GH264.text}\r\n!\r\n`);
    assert.equal(telegram.crc, undefined);
    assert.equal(telegram.objects.length, 18);
    const lf = parseDsmrTelegram('/ABC5 meter\n\n1-0:1.8.0(000001.000*kWh)\n!\n');
    assert.equal(lf.objects[0]?.fields[0]?.number, 1);
  });

  it('skips lines it does not know, counting them', () => {
    const telegram = parseDsmrTelegram(
      withCrc('/XYZ5 test\r\n\r\ngarbage line\r\n1-0:1.8.0(1*kWh)x\r\n1-0:1.8.0(1*kWh)\r\n300-0:1.8.0(1)'),
    );
    assert.equal(telegram.ignoredLines, 3);
    assert.deepEqual(
      telegram.objects.map((o) => o.obis),
      ['1-0:1.8.0'],
    );
  });

  it('continues an object on the next line, as DSMR 4 gas readings do', () => {
    const telegram = parseDsmrTelegram(
      withCrc('/ISk5\\2MT382-1003\r\n\r\n0-2:24.3.0(211123200000)(00)(60)(1)(0-2:24.2.1)(m3)\r\n(13376.292)'),
    );
    assert.equal(telegram.objects[0]?.fields.at(-1)?.number, 13376.292);
  });

  it('rejects with our codes: CHECKSUM, TRUNCATED, FRAME_INVALID', () => {
    const good = T210D_R.text;
    const flipped = good.replace('006545766', '006545767');
    assert.equal(
      codeOf(() => parseDsmrTelegram(flipped)),
      'CHECKSUM',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(good.slice(0, 200))),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(good.slice(0, good.indexOf('!') + 3))),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram('')),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(good.slice(1))),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(`${good}x`)),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(good.replace('!7EF9', '!7EG9'))),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram('/12345\r\n\r\n!\r\n')),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram('/ABC5\r\n1-0:1.8.0(1)!\r\n')),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram('/ABC5\r\n\u00e4\r\n!\r\n')),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(Uint8Array.of(0x2f, 0x41, 0x42, 0x43, 0x35, 0x0a, 0x80, 0x0a, 0x21))),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(`/ABC5\r\n${'1-0:1.8.0(1)\r\n'.repeat(700)}!\r\n`)),
      'FRAME_INVALID',
    );
    assert.equal(
      codeOf(() => parseDsmrTelegram(`/ABC5\r\n0-0:96.13.0(${'4'.repeat(2200)})\r\n!\r\n`)),
      'FRAME_INVALID',
    );
  });

  it('turns S/W timestamps into ISO with the Central European offset, and refuses impossible dates', () => {
    assert.equal(parseTimestamp('231125143000W'), '2023-11-25T14:30:00+01:00');
    assert.equal(parseTimestamp('230625143000S'), '2023-06-25T14:30:00+02:00');
    assert.equal(parseTimestamp('240229000000W'), '2024-02-29T00:00:00+01:00');
    for (const bad of ['230229000000W', '231325143000W', '231125243000W', '231125143000X', '2311251430W']) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
  });

  it('the fixture APDU decrypts (tag verified) to exactly the T210-D-r text', () => {
    const apdu = decodeGeneralGloCiphering(hex(T210D_R.apdu_hex as string));
    const { plaintext, authenticated } = decryptGloCiphered(apdu, {
      encryptionKey: hex(T210D_R.key_hex as string),
      authenticationKey: hex(T210D_R.auth_key_hex as string),
    });
    assert.equal(authenticated, true);
    assert.deepEqual(parseDsmrTelegram(plaintext), parseDsmrTelegram(T210D_R.text));
  });
});

/** Through the meter model, as the decoder reads it. */
const dsmrTelegram = (text: string) =>
  decodeDsmrText(ascii(text), { systemTitle: undefined, frameCounter: undefined });

describe('DSMR readings', () => {
  it('the T210-D-r: Wh/W/varh/var become the published kWh/W/kvarh/var, the tariff registers too', () => {
    const readings = dsmrTelegram(T210D_R.text);
    assert.equal(readings.time, '2022-10-06T15:50:14+02:00');
    assert.equal(readings.meterId, undefined);
    assert.deepEqual(readings.values, {
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
    assert.deepEqual(readings.obis['1-0:1.8.1.255'], { value: 5017120, unit: 'Wh' });
    assert.deepEqual(readings.obis['1-0:1.8.0.255'], { value: 6545766, unit: 'Wh' });
    assert.deepEqual(readings.obis['1-0:3.8.1.255'], { value: 0, unit: 'varh' });
    assert.deepEqual(readings.obis['0-0:1.0.0.255'], { value: '2022-10-06T15:50:14+02:00' });
    assert.deepEqual(readings.obis['1-3:0.2.8.255'], { value: 50 });
  });

  it('DSMR 5 kWh/kW: the same published units, exactly (0.42 kW is 420 W); hex equipment id decoded', () => {
    const readings = dsmrTelegram(ISK5.text);
    assert.equal(readings.values.power_in, 420);
    assert.deepEqual(readings.obis['1-0:1.8.1.255'], { value: 1617.278, unit: 'kWh' });
    assert.equal(readings.values.voltage_l1, 223.6);
    assert.equal(readings.values.current_l1, 2);
    assert.equal(readings.meterId, 'E0043007424330419');
    assert.deepEqual(readings.obis['0-1:24.2.1.255'], { value: 744.192, unit: 'm3' });
  });

  it('a unit that does not convert, or a missing one, is kept under its OBIS code but given no key', () => {
    const readings = dsmrTelegram(
      withCrc(
        '/ABC5\r\n\r\n1-0:1.8.0(12*m3)\r\n1-0:1.7.0(1.005)\r\n1-0:13.7.0(0.981)\r\n1-0:2.7.0(1.005*kW)',
      ),
    );
    assert.deepEqual(readings.values, { power_factor: 0.981, power_out: 1005 });
    assert.deepEqual(readings.obis['1-0:1.8.0.255'], { value: 12, unit: 'm3' });
    assert.deepEqual(readings.obis['1-0:1.7.0.255'], { value: 1.005 });
  });

  it('0-0:96.1.0 wins over 96.1.1 for the meter id, in either order; a numeric id stays as sent', () => {
    for (const body of [
      '0-0:96.1.1(4530303433)\r\n0-0:96.1.0(178210128502)',
      '0-0:96.1.0(178210128502)\r\n0-0:96.1.1(4530303433)',
    ]) {
      assert.equal(dsmrTelegram(withCrc(`/ABC5\r\n\r\n${body}`)).meterId, '178210128502');
    }
  });
});
