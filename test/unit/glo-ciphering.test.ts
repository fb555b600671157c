import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader } from '../../src/bytes/byte-reader.js';
import { decodeApdu } from '../../src/decoder/apdu-decoder.js';
import { readBerLength } from '../../src/dlms/ber-length.js';
import { decryptGloCiphered, uncheckedTagNotice } from '../../src/dlms/decrypt.js';
import { decodeGeneralGloCiphering } from '../../src/dlms/glo-ciphering.js';
import { encodeGloCiphering } from '../../src/encode/telegram-encoder.js';
import type { MeterError } from '../../src/errors.js';
import { hex, label, VECTORS, type Vector } from '../support/vectors.js';

/** The APDU inside a single HDLC frame: after 7E, format, addresses, control, HCS and LLC; before FCS and 7E. */
function hdlcApdu(v: Vector): Uint8Array {
  const frame = hex(v.frames_hex[0] as string);
  const start = frame.indexOf(0xdb);
  return frame.subarray(start, frame.length - 3);
}

const HDLC_SINGLE = VECTORS.filter((v) => v.transport === 'hdlc');

describe('BER length', () => {
  const cases: [string, number][] = [
    ['4D', 0x4d],
    ['81F8', 248],
    ['820155', 341],
    ['820109', 265],
  ];
  for (const [bytes, value] of cases) {
    it(`${bytes} is ${value}`, () => {
      const reader = new ByteReader(hex(bytes));
      assert.equal(readBerLength(reader, 'length'), value);
      assert.equal(reader.remaining, 0);
    });
  }
  it('rejects the indefinite form 80 and forms longer than four bytes', () => {
    for (const bytes of ['80', '85010203040506']) {
      assert.throws(() => readBerLength(new ByteReader(hex(bytes)), 'length'), {
        code: 'FRAME_INVALID',
      });
    }
  });
  it('reports a length byte cut off as TRUNCATED', () => {
    assert.throws(() => readBerLength(new ByteReader(hex('8201')), 'length'), {
      code: 'TRUNCATED',
    });
  });
});

describe('general-glo-ciphering header', () => {
  it('reads the short length form of the Salzburg documentation sample (vector 20)', () => {
    const frame = hex((VECTORS[20] as Vector).frames_hex[0] as string);
    const apdu = decodeGeneralGloCiphering(frame.subarray(9, frame.length - 2));
    assert.equal(Buffer.from(apdu.systemTitle).toString('latin1').slice(0, 3), 'ELS');
    assert.equal(apdu.securityControl, 0x20);
    assert.equal(apdu.tag, undefined);
  });
  it('rejects an APDU whose announced length exceeds the bytes (TRUNCATED) or falls short of them (FRAME_INVALID)', () => {
    const ok = hdlcApdu(VECTORS[14] as Vector);
    assert.throws(() => decodeGeneralGloCiphering(ok.subarray(0, ok.length - 1)), { code: 'TRUNCATED' });
    assert.throws(() => decodeGeneralGloCiphering(Buffer.concat([ok, Uint8Array.of(0)])), {
      code: 'FRAME_INVALID',
    });
  });
  it('names other APDUs as UNSUPPORTED', () => {
    assert.throws(
      () => decodeGeneralGloCiphering(hex('E0400001000077DB')),
      (e: MeterError) => {
        assert.equal(e.code, 'UNSUPPORTED');
        assert.match(e.message, /general-block-transfer/);
        return true;
      },
    );
  });
  it('rejects security suite 2 and compression as UNSUPPORTED', () => {
    const apdu = Uint8Array.from(hdlcApdu(VECTORS[14] as Vector));
    apdu[11] = 0x22;
    assert.throws(() => decodeGeneralGloCiphering(apdu), { code: 'UNSUPPORTED' });
    apdu[11] = 0xa0;
    assert.throws(() => decodeGeneralGloCiphering(apdu), { code: 'UNSUPPORTED' });
  });
});

describe('decryption of the HDLC captures (same ciphering, other framing)', () => {
  for (const v of HDLC_SINGLE) {
    it(`${label(v)} decrypts to its published plaintext`, () => {
      const apdu = decodeGeneralGloCiphering(hdlcApdu(v));
      const keys = {
        encryptionKey: hex(v.key_hex as string),
        authenticationKey: v.auth_key_hex === null ? undefined : hex(v.auth_key_hex),
      };
      const result = decryptGloCiphered(apdu, keys);
      assert.deepEqual(new Uint8Array(result.plaintext), hex(v.plaintext_hex as string));
      assert.equal(result.authenticated, v.auth_key_hex !== null);
    });
  }

  const tagged = VECTORS[12] as Vector;
  it(`${label(tagged)}: a wrong authentication key or an altered byte fails the GCM tag (AUTH_FAILED)`, () => {
    const keys = {
      encryptionKey: hex(tagged.key_hex as string),
      authenticationKey: hex(tagged.auth_key_hex as string),
    };
    const wrongAk = { ...keys, authenticationKey: hex('000102030405060708090A0B0C0D0E0F') };
    assert.throws(() => decryptGloCiphered(decodeGeneralGloCiphering(hdlcApdu(tagged)), wrongAk), {
      code: 'AUTH_FAILED',
    });
    const altered = Uint8Array.from(hdlcApdu(tagged));
    altered[40] = (altered[40] as number) ^ 0x01;
    assert.throws(() => decryptGloCiphered(decodeGeneralGloCiphering(altered), keys), {
      code: 'AUTH_FAILED',
    });
  });
  it(`${label(tagged)}: without the authentication key it decrypts, marked as a tag not checked`, () => {
    // As an unsigned (0x20) telegram is read: the plaintext must parse; the user is told once what is missing.
    const result = decryptGloCiphered(decodeGeneralGloCiphering(hdlcApdu(tagged)), {
      encryptionKey: hex(tagged.key_hex as string),
    });
    assert.deepEqual(new Uint8Array(result.plaintext), hex(tagged.plaintext_hex as string));
    assert.equal(result.authenticated, false);
    assert.equal(result.tagUnchecked, true);
    const notice = uncheckedTagNotice(tagged.system_title_hex as string);
    for (const words of [
      /signs its telegrams/,
      /Netz Burgenland/,
      /authentication key \(AK/,
      /auth_key/,
      /--auth-key/,
    ])
      assert.match(notice, words);
  });
  it('an encrypted APDU without a key is NO_KEY', () => {
    assert.throws(() => decryptGloCiphered(decodeGeneralGloCiphering(hdlcApdu(VECTORS[14] as Vector)), {}), {
      code: 'NO_KEY',
    });
  });
  it('a positional push list without OBIS codes (Wiener Netze) decodes by its shape', () => {
    const v = VECTORS[14] as Vector;
    const telegram = decodeApdu(hdlcApdu(v), { encryptionKey: hex(v.key_hex as string) });
    assert.equal(telegram.values.energy_in, 137.323);
    assert.deepEqual(telegram.obis['1-0:1.8.0.255'], { value: 137323, unit: 'Wh' });
  });
});

describe('security control variants produced by the encoder', () => {
  const ek = hex('000102030405060708090A0B0C0D0E0F');
  const ak = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
  const plaintext = hex((VECTORS[5] as Vector).plaintext_hex as string);
  const systemTitle = hex('4B464D102002ACA5');
  for (const securityControl of [0x00, 0x10, 0x20, 0x21, 0x30, 0x31]) {
    it(`security control 0x${securityControl.toString(16).padStart(2, '0')} round-trips, and a tag is enforced when present`, () => {
      const apdu = encodeGloCiphering({
        systemTitle,
        frameCounter: 77,
        securityControl,
        encryptionKey: ek,
        authenticationKey: ak,
        plaintext,
      });
      const parsed = decodeGeneralGloCiphering(apdu);
      const result = decryptGloCiphered(parsed, { encryptionKey: ek, authenticationKey: ak });
      assert.deepEqual(new Uint8Array(result.plaintext), plaintext);
      const tagged = (securityControl & 0x10) !== 0;
      assert.equal(result.authenticated, tagged);
      assert.equal(decodeApdu(apdu, { encryptionKey: ek, authenticationKey: ak }).meterId, '1KFM0200175269');
      if (tagged) {
        const altered = Uint8Array.from(apdu);
        altered[30] = (altered[30] as number) ^ 0x80;
        assert.throws(
          () =>
            decryptGloCiphered(decodeGeneralGloCiphering(altered), {
              encryptionKey: ek,
              authenticationKey: ak,
            }),
          {
            code: 'AUTH_FAILED',
          },
        );
      }
    });
  }
});
