import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, HexTextDecoder, HexTextError, looksLikeHexText, toHex } from '../../src/bytes/hex.js';
import { cosemDateTimeText, formatCosemDateTime, parseCosemDateTime } from '../../src/cosem/date-time.js';
import { AXDR, AXDR_MAX_DEPTH, type DlmsValue, decodeAxdr } from '../../src/dlms/axdr.js';
import { encodeAxdr } from '../../src/encode/axdr-encoder.js';
import { encodeCosemDateTime } from '../../src/encode/push-layouts.js';
import { isMeterError } from '../../src/errors.js';
import { keyHint, parseKey } from '../../src/key.js';
import { hex } from '../support/vectors.js';

function code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isMeterError(error), `not a MeterError: ${String(error)}`);
    return error.code;
  }
  return 'no error';
}

describe('A-XDR data', () => {
  const cases: [string, DlmsValue][] = [
    ['00', { type: 'null' }],
    ['0301', { type: 'boolean', value: true }],
    ['040A C000', { type: 'bit-string', bitLength: 10, bytes: hex('C000') }],
    ['0F FF', { type: 'integer', tag: AXDR.integer, value: -1 }],
    ['11 FF', { type: 'integer', tag: AXDR.unsigned, value: 255 }],
    ['10 FF38', { type: 'integer', tag: AXDR.long, value: -200 }],
    ['12 FFFF', { type: 'integer', tag: AXDR.longUnsigned, value: 65535 }],
    ['05 FFFFFFFE', { type: 'integer', tag: AXDR.doubleLong, value: -2 }],
    ['06 FFFFFFFF', { type: 'integer', tag: AXDR.doubleLongUnsigned, value: 4294967295 }],
    ['14 FFFFFFFFFFFFFFFD', { type: 'integer', tag: AXDR.long64, value: -3 }],
    ['15 0000010000000000', { type: 'integer', tag: AXDR.long64Unsigned, value: 2 ** 40 }],
    ['16 1E', { type: 'enum', value: 30 }],
    ['09 03 414243', { type: 'octet-string', bytes: hex('414243') }],
    ['0A 02 4B46', { type: 'visible-string', text: 'KF' }],
    ['0C 02 C3A4', { type: 'utf8-string', text: 'ä' }],
    ['0D 42', { type: 'bcd', value: 42 }],
    ['17 3FC00000', { type: 'float', tag: AXDR.float32, value: 1.5 }],
    ['18 4004000000000000', { type: 'float', tag: AXDR.float64, value: 2.5 }],
    ['19 07E5091B01092F0F00FF8880', { type: 'date-time', bytes: hex('07E5091B01092F0F00FF8880') }],
    ['1A 07E5091B01', { type: 'date', bytes: hex('07E5091B01') }],
    ['1B 092F0F00', { type: 'time', bytes: hex('092F0F00') }],
    [
      '02 02 0F FF 16 23',
      {
        type: 'structure',
        items: [
          { type: 'integer', tag: AXDR.integer, value: -1 },
          { type: 'enum', value: 35 },
        ],
      },
    ],
    ['01 01 12 0001', { type: 'array', items: [{ type: 'integer', tag: AXDR.longUnsigned, value: 1 }] }],
  ];
  for (const [bytes, value] of cases) {
    it(`${bytes} decodes to ${value.type} and encodes back`, () => {
      const wire = hex(bytes.replace(/ /g, ''));
      const decoded = decodeAxdr(wire);
      assert.deepEqual(
        JSON.parse(JSON.stringify(decoded, (_, v) => (v instanceof Uint8Array ? toHex(v) : v))),
        JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? toHex(v) : v))),
      );
      assert.deepEqual(encodeAxdr(decoded), wire);
    });
  }

  it('malformed data is AXDR_INVALID (or UNSUPPORTED for compact-array), never a RangeError', () => {
    assert.equal(
      code(() => decodeAxdr(hex('06FFFF'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(hex('0910AABB'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(hex('02FF00'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(hex('0284FFFFFFFF00'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(hex('FF'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(hex('130000'))),
      'UNSUPPORTED',
    );
    assert.equal(
      code(() => decodeAxdr(hex('0000'))),
      'AXDR_INVALID',
    );
    assert.equal(
      code(() => decodeAxdr(new Uint8Array(0))),
      'AXDR_INVALID',
    );
    const deep = new Uint8Array(2 * (AXDR_MAX_DEPTH + 2) + 1).fill(0x01);
    for (let i = 1; i < deep.length; i += 2) deep[i] = 0x01;
    deep[deep.length - 1] = 0;
    assert.equal(
      code(() => decodeAxdr(deep)),
      'AXDR_INVALID',
    );
  });
});

describe('A-XDR values shared from telegram to telegram', () => {
  it('six-byte octet-strings and {scaler, unit} structures decode to their own bytes, however many there are', () => {
    for (let i = 0; i < 3000; i++) {
      const six = Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, (i * 7) & 0xff);
      const scaler = (i * 13) & 0xff;
      const unit = (i >> 2) & 0xff;
      const wire = Uint8Array.of(0x02, 0x02, 0x09, 0x06, ...six, 0x02, 0x02, 0x0f, scaler, 0x16, unit);
      const decoded = decodeAxdr(wire);
      assert.deepEqual(decoded, {
        type: 'structure',
        items: [
          { type: 'octet-string', bytes: six },
          {
            type: 'structure',
            items: [
              { type: 'integer', tag: AXDR.integer, value: scaler >= 0x80 ? scaler - 0x100 : scaler },
              { type: 'enum', value: unit },
            ],
          },
        ],
      });
      assert.deepEqual(encodeAxdr(decoded), wire);
    }
  });
  it('a {scaler, unit} structure is held to the nesting limit like any other', () => {
    const nested = (wrappers: number): Uint8Array =>
      Uint8Array.of(
        ...Array.from({ length: wrappers }, () => [0x02, 0x01]).flat(),
        0x02,
        0x02,
        0x0f,
        0,
        0x16,
        27,
      );
    assert.equal(decodeAxdr(nested(AXDR_MAX_DEPTH - 1)).type, 'structure');
    assert.equal(
      code(() => decodeAxdr(nested(AXDR_MAX_DEPTH))),
      'AXDR_INVALID',
    );
  });
});

describe('COSEM date-time', () => {
  const iso = (bytes: string): string | undefined => {
    const dt = parseCosemDateTime(hex(bytes));
    return dt === undefined ? undefined : formatCosemDateTime(dt);
  };
  it('summer (deviation FF88) is +02:00, winter (FFC4) +01:00: the offset is minus the deviation', () => {
    assert.equal(iso('07E5091B01092F0F00FF8880'), '2021-09-27T09:47:15+02:00');
    assert.equal(iso('07E6020405102B1400FFC400'), '2022-02-04T16:43:20+01:00');
  });
  it('an unspecified deviation (8000) gives local time without an offset; hundredths appear when set', () => {
    assert.equal(iso('07E7031C02130B14FF800000'), '2023-03-28T19:11:20');
    assert.equal(iso('07E7031C02130B1432800000'), '2023-03-28T19:11:20.50');
  });
  it("EVN's 12-digit meter number is not a date-time, nor is a month 13", () => {
    assert.equal(parseCosemDateTime(Buffer.from('181220000009', 'latin1')), undefined);
    assert.equal(parseCosemDateTime(hex('07E50D1B01092F0F00FF8880')), undefined);
  });
  it('an unspecified year cannot be written as ISO 8601', () => {
    assert.equal(iso('FFFF091B01092F0F00FF8880'), undefined);
  });
  it('the encoder writes what the parser reads', () => {
    const bytes = encodeCosemDateTime({
      year: 2026,
      month: 11,
      day: 24,
      hour: 13,
      minute: 5,
      second: 9,
      utcOffsetMinutes: 60,
    });
    assert.equal(toHex(bytes), '07EA0B18020D050900FFC400');
    const dt = parseCosemDateTime(bytes);
    assert.ok(dt);
    assert.equal(formatCosemDateTime(dt), '2026-11-24T13:05:09+01:00');
  });
});

describe('COSEM date-time in one pass', () => {
  it('cosemDateTimeText says what parse and format say, for any bytes', () => {
    // Each field from its edges, its "not specified" values and beyond, so that every check is crossed.
    const picks = [0, 1, 7, 12, 13, 23, 24, 31, 32, 59, 60, 99, 100, 0x80, 0xfd, 0xfe, 0xff];
    let seed = 1;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    // Mostly 1..7, valid in every field, so that whole valid timestamps come up too.
    const byte = (): number =>
      next(2) === 0 ? 1 + next(7) : next(3) === 0 ? next(256) : (picks[next(picks.length)] as number);
    const years = [0x07b2, 0x07b1, 0x0897, 0x0898, 0x07ea, 0xffff, 0x0000];
    const deviations = [0, 0xffc4, 0xff88, 0x8000, 0xfcb8, 0xfcb7, 0x0348, 0x0349, 0x003c, 0x001e];
    for (let i = 0; i < 50_000; i++) {
      const year = years[next(years.length)] as number;
      const deviation = next(4) === 0 ? next(0x10000) : (deviations[next(deviations.length)] as number);
      const bytes = Uint8Array.of(
        year >> 8,
        year & 0xff,
        byte(),
        byte(),
        byte(),
        byte(),
        byte(),
        byte(),
        byte(),
        deviation >> 8,
        deviation & 0xff,
        byte(),
      );
      const dt = parseCosemDateTime(bytes);
      assert.equal(
        cosemDateTimeText(bytes),
        dt === undefined ? undefined : formatCosemDateTime(dt),
        toHex(bytes),
      );
    }
    assert.equal(cosemDateTimeText(new Uint8Array(11)), undefined);
  });
});

describe('keys and hex text', () => {
  const KEY = '48704F444F326D5050553033784C3333';
  it('accepts a key in any case, with spaces, colons, dashes or 0x', () => {
    for (const text of [
      KEY,
      KEY.toLowerCase(),
      KEY.replace(/(..)/g, '$1 '),
      KEY.replace(/(..)(?!$)/g, '$1:'),
      `0x${KEY}`,
      KEY.replace(/(.{8})(?!$)/g, '$1-'),
    ]) {
      assert.deepEqual(parseKey(text, '--key'), hex(KEY), text);
    }
  });
  it('rejects 31 or 33 digits and non-hex characters with CONFIG_INVALID, without echoing the key', () => {
    for (const text of [KEY.slice(1), `${KEY}0`, `${KEY.slice(2)}GZ`]) {
      try {
        parseKey(text, '--key');
        assert.fail('accepted');
      } catch (error) {
        assert.ok(isMeterError(error));
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.ok(!error.message.includes(text.slice(4, 20)), error.message);
      }
    }
  });
  it('shows only the first four hex digits', () => {
    assert.equal(keyHint(hex(KEY)), '4870…');
  });
  it('decodes hex text in pieces: comments, line breaks inside a byte, 0x prefixes', () => {
    const decoder = new HexTextDecoder();
    const out = [...decoder.push('# header\n68 F'), ...decoder.push('A\n0xFA 68 # trailing\n53')];
    decoder.end();
    assert.deepEqual(out, [0x68, 0xfa, 0xfa, 0x68, 0x53]);
    assert.equal(toHex(Uint8Array.from(out)), '68FAFA6853');
    assert.deepEqual(fromHex('0a0B'), Uint8Array.of(10, 11));
    assert.equal(fromHex('0a0'), undefined);
  });
  it('says where hex text goes wrong', () => {
    assert.throws(
      () => new HexTextDecoder().push('68 FA\nFA 6Z'),
      (e: Error) => e instanceof HexTextError && /line 2/.test(e.message),
    );
    const odd = new HexTextDecoder();
    odd.push('68F');
    assert.throws(() => odd.end(), HexTextError);
  });
  it('tells hex text from raw M-Bus bytes', () => {
    assert.equal(looksLikeHexText(Buffer.from('68 FA FA 68\n')), true);
    assert.equal(looksLikeHexText(hex('68FAFA6853FF000167DB')), false);
  });
});
