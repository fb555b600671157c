import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDsmrText } from '../../src/decoder/dsmr-decoder.js';
import { decryptGloCiphered } from '../../src/dlms/decrypt.js';
import { decodeGeneralGloCiphering } from '../../src/dlms/glo-ciphering.js';
import { dsmrTimestamp, encodeDsmrPush, encodeT210dRApdu, fixed } from '../../src/encode/dsmr-encoder.js';
import { ascii, dsmrFixture, T210D_R_INPUT } from '../support/dsmr-fixtures.js';
import { hex } from '../support/vectors.js';

const NO_CONTEXT = { systemTitle: undefined, frameCounter: undefined };

const T210D_R_EXTRAS = {
  energyInT2Wh: 1528646,
  energyOutT2Wh: 58,
  reactiveEnergyInT2Varh: 747,
  reactiveEnergyOutT2Varh: 1204878,
  reactivePowerOutVar: 166,
};

describe('DSMR encoder', () => {
  it('writes the real T210-D-r telegram byte for byte, CRC included', () => {
    const encoded = encodeDsmrPush('t210d-r-p1', T210D_R_INPUT, { extras: T210D_R_EXTRAS });
    assert.equal(
      Buffer.from(encoded).toString('latin1'),
      dsmrFixture('t210d-r-energienetze-steiermark').text,
    );
  });

  it('the T210-D-r APDU decrypts, with its tag, to a telegram the parser reads', () => {
    const key = hex('000102030405060708090A0B0C0D0E0F');
    const authenticationKey = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const apdu = encodeT210dRApdu(T210D_R_INPUT, {
      systemTitle: ascii('SAG5\u0000\u0000@Y'),
      frameCounter: 0x49,
      encryptionKey: key,
      authenticationKey,
    });
    assert.deepEqual([...apdu.subarray(0, 2)], [0xdb, 0x08]);
    const decrypted = decryptGloCiphered(decodeGeneralGloCiphering(apdu), {
      encryptionKey: key,
      authenticationKey,
    });
    assert.equal(decrypted.authenticated, true);
    assert.equal(decodeDsmrText(decrypted.plaintext, NO_CONTEXT).values.energy_in, 6545.766);
  });

  it('DSMR 5 layout: decimals, hex equipment id, and a telegram without CRC when asked', () => {
    const text = Buffer.from(encodeDsmrPush('dsmr-5', T210D_R_INPUT, { crc: false })).toString('latin1');
    assert.match(text, /^\/SAG5\\253710000_A\r\n\r\n/);
    assert.match(text, /\r\n1-0:1\.8\.0\(006545\.766\*kWh\)\r\n/);
    assert.match(text, /\r\n1-0:1\.7\.0\(00\.286\*kW\)\r\n/);
    assert.match(text, /\r\n0-0:96\.1\.0\(3235333731303030305F41\)\r\n/);
    assert.ok(text.endsWith('\r\n!\r\n'));
    assert.equal(decodeDsmrText(ascii(text), NO_CONTEXT).meterId, '253710000_A');
  });

  it('timestamps: S in summer, W in winter, nothing else', () => {
    assert.equal(dsmrTimestamp({ ...T210D_R_INPUT.time, utcOffsetMinutes: 60 }), '221006155014W');
    assert.throws(() => dsmrTimestamp({ ...T210D_R_INPUT.time, utcOffsetMinutes: 0 }), RangeError);
  });

  it('fixed-point registers never lose digits', () => {
    assert.equal(fixed(5, 3, 2), '00.005');
    assert.equal(fixed(1234567, 3, 2), '1234.567');
    assert.equal(fixed(2301, 1, 3), '230.1');
    assert.equal(fixed(12, 0, 9), '000000012');
    assert.equal(fixed(-12, 1, 1), '-1.2');
  });
});
