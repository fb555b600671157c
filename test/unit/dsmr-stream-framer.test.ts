import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DSMR_MAX_PENDING,
  type DsmrFramerEvent,
  DsmrStreamFramer,
} from '../../src/dsmr/dsmr-stream-framer.js';
import { DSMR_MAX_TELEGRAM_LENGTH } from '../../src/dsmr/dsmr-telegram.js';
import { ascii, dsmrFixture } from '../support/dsmr-fixtures.js';
import { concatBytes } from '../support/vectors.js';

const T210D_R = ascii(dsmrFixture('t210d-r-energienetze-steiermark').text);
const ISK5 = ascii(dsmrFixture('iskra-am550-dsmr5').text);

function all(framer: DsmrStreamFramer, ...chunks: Uint8Array[]): DsmrFramerEvent[] {
  return [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];
}
const frames = (events: readonly DsmrFramerEvent[]): Uint8Array[] =>
  events.flatMap((e) => (e.kind === 'frame' ? [e.raw] : []));
const codes = (events: readonly DsmrFramerEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));
const discarded = (events: readonly DsmrFramerEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'discarded' ? [Buffer.from(e.bytes).toString('latin1')] : []));

describe('DSMR stream framer', () => {
  it('finds telegrams after noise, reports the noise as discarded, and nothing between back-to-back telegrams', () => {
    const events = all(new DsmrStreamFramer(), concatBytes([ascii('xx/ab\r\n1-0'), T210D_R, ISK5, T210D_R]));
    assert.deepEqual(frames(events), [T210D_R, ISK5, T210D_R]);
    assert.deepEqual(discarded(events), ['xx/ab\r\n1-0']);
    assert.deepEqual(codes(events), []);
  });

  it('fed one byte at a time gives the same telegrams', () => {
    const bytes = concatBytes([T210D_R, ISK5]);
    const events = all(new DsmrStreamFramer(), ...Array.from(bytes, (b) => Uint8Array.of(b)));
    assert.deepEqual(frames(events), [T210D_R, ISK5]);
    assert.deepEqual(codes(events), []);
  });

  it('a stream that starts mid-telegram: the tail is discarded, the next telegram found', () => {
    const events = all(new DsmrStreamFramer(), concatBytes([T210D_R.subarray(100), ISK5]));
    assert.deepEqual(frames(events), [ISK5]);
    assert.deepEqual(codes(events), []);
    assert.equal(discarded(events).join('').length, T210D_R.length - 100);
  });

  it('a flipped bit is one CHECKSUM error; its bytes are not also discarded; the next telegram is found', () => {
    const bad = Uint8Array.from(T210D_R);
    const digit = Buffer.from(T210D_R).indexOf('006545766');
    bad[digit + 3] = (bad[digit + 3] as number) ^ 0x01;
    const events = all(new DsmrStreamFramer(), concatBytes([bad, ISK5]));
    assert.deepEqual(codes(events), ['CHECKSUM']);
    assert.deepEqual(discarded(events), []);
    assert.deepEqual(frames(events), [ISK5]);
  });

  it('a telegram cut short by the next one is one error (TRUNCATED at a line end), and the next one is read', () => {
    const lineEnd = Buffer.from(T210D_R).indexOf('\n', 300) + 1;
    for (const [cut, code] of [
      [lineEnd, 'TRUNCATED'],
      [lineEnd - 5, 'CHECKSUM'],
    ] as const) {
      const events = all(new DsmrStreamFramer(), concatBytes([T210D_R.subarray(0, cut), ISK5]));
      assert.deepEqual(codes(events), [code]);
      assert.deepEqual(frames(events), [ISK5]);
      assert.deepEqual(discarded(events), []);
    }
  });

  it('a byte that is not text inside a telegram loses it, reported once', () => {
    const bad = Uint8Array.from(T210D_R);
    bad[60] = 0xb1;
    const events = all(new DsmrStreamFramer(), concatBytes([bad, ISK5]));
    assert.deepEqual(codes(events), ['FRAME_INVALID']);
    assert.deepEqual(frames(events), [ISK5]);
  });

  it('the stream ending inside a telegram is TRUNCATED; ending right after the CRC is still a telegram', () => {
    assert.deepEqual(codes(all(new DsmrStreamFramer(), T210D_R.subarray(0, 200))), ['TRUNCATED']);
    const noLineEnd = T210D_R.subarray(0, T210D_R.length - 2);
    assert.deepEqual(frames(all(new DsmrStreamFramer(), noLineEnd)), [noLineEnd]);
  });

  it('a telegram without CRC (`!` CR LF) is framed', () => {
    const text = ascii('/ABC5 no crc\r\n\r\n1-0:1.8.0(000001.000*kWh)\r\n!\r\n');
    const events = all(new DsmrStreamFramer(), concatBytes([text, T210D_R]));
    assert.deepEqual(frames(events), [text, T210D_R]);
  });

  it('holds back at most one telegram: a start with no end is dropped once it passes the maximum', () => {
    const framer = new DsmrStreamFramer();
    const events = framer.push(ascii('/ABC5\r\n'));
    const line = ascii('1-0:1.8.0(000001.000*kWh)\r\n');
    for (let n = 0; n < 2 * (DSMR_MAX_TELEGRAM_LENGTH / line.length); n++) {
      events.push(...framer.push(line));
      assert.ok(framer.buffered <= DSMR_MAX_PENDING, `${framer.buffered} bytes held`);
    }
    events.push(...framer.push(T210D_R), ...framer.end());
    assert.deepEqual(codes(events), ['FRAME_INVALID']);
    assert.deepEqual(frames(events), [T210D_R]);
  });

  it('a copy is kept: a source reusing its buffer cannot change a telegram already found or held back', () => {
    const framer = new DsmrStreamFramer();
    const chunk = Uint8Array.from(T210D_R.subarray(0, 300));
    const events = framer.push(chunk);
    chunk.fill(0x41);
    events.push(...framer.push(T210D_R.subarray(300)), ...framer.end());
    assert.deepEqual(frames(events), [T210D_R]);
  });
});
