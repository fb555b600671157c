import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMbusLongFrame } from '../../src/encode/telegram-encoder.js';
import { MBUS_MAX_FRAME_LENGTH } from '../../src/mbus/mbus-frame.js';
import { type FramerEvent, MbusFramer } from '../../src/mbus/mbus-framer.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';

const [FRAME1, FRAME2] = framesOf(VECTORS[5] as Vector) as [Uint8Array, Uint8Array];

function frame(events: readonly FramerEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.kind === 'frame' ? [e.frame.raw] : []));
}

function all(framer: MbusFramer, ...chunks: Uint8Array[]): FramerEvent[] {
  return [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];
}

describe('M-Bus framer', () => {
  it('finds frames after garbage and reports the garbage as discarded', () => {
    const events = all(new MbusFramer(), concatBytes([hex('00112233'), FRAME1, FRAME2]));
    assert.deepEqual(frame(events), [FRAME1, FRAME2]);
    assert.deepEqual(
      events.filter((e) => e.kind === 'discarded').map((e) => (e.kind === 'discarded' ? [...e.bytes] : [])),
      [[0x00, 0x11, 0x22, 0x33]],
    );
  });

  it('a truncated frame directly followed by a good one: the good one is still found', () => {
    const events = all(new MbusFramer(), concatBytes([FRAME1.subarray(0, 100), FRAME1, FRAME2]));
    assert.deepEqual(frame(events), [FRAME1, FRAME2]);
  });

  it('a wrong checksum with a good stop byte is one CHECKSUM error, and its bytes are not also "discarded"', () => {
    const bad = Uint8Array.from(FRAME2);
    bad[bad.length - 2] = ((bad[bad.length - 2] as number) + 1) & 0xff;
    const events = all(new MbusFramer(), concatBytes([bad, FRAME1]));
    const errors = events.flatMap((e) => (e.kind === 'error' ? [e.error] : []));
    assert.deepEqual(
      errors.map((e) => e.code),
      ['CHECKSUM'],
    );
    assert.deepEqual(errors[0]?.raw, bad);
    assert.equal(events.filter((e) => e.kind === 'discarded').length, 0);
    assert.deepEqual(frame(events), [FRAME1]);
  });

  it('fed one byte at a time gives the same frames', () => {
    const framer = new MbusFramer();
    const bytes = concatBytes([FRAME1, FRAME2]);
    const events = all(framer, ...Array.from(bytes, (b) => Uint8Array.of(b)));
    assert.deepEqual(frame(events), [FRAME1, FRAME2]);
  });

  it('ignores single-byte ACKs and short frames between long frames', () => {
    const events = all(
      new MbusFramer(),
      concatBytes([hex('E5'), FRAME1, hex('105BFE5916'), FRAME2, hex('E5')]),
    );
    assert.deepEqual(frame(events), [FRAME1, FRAME2]);
    assert.equal(events.filter((e) => e.kind !== 'frame').length, 0);
  });

  it("accepts the T210-D's wrapped length (68 01 01 68, 257-byte body) only when stop byte and checksum agree", () => {
    const wrapped = encodeMbusLongFrame(0x00, new Uint8Array(254).fill(0x5a));
    assert.deepEqual([...wrapped.subarray(0, 4)], [0x68, 0x01, 0x01, 0x68]);
    const events = all(new MbusFramer(), concatBytes([wrapped, FRAME2]));
    assert.deepEqual(
      events.flatMap((e) => (e.kind === 'frame' ? [[e.frame.raw.length, e.frame.lengthOverflow]] : [])),
      [
        [263, true],
        [FRAME2.length, false],
      ],
    );
    const broken = Uint8Array.from(wrapped);
    broken[100] = (broken[100] as number) ^ 0xff;
    assert.deepEqual(frame(all(new MbusFramer(), concatBytes([broken, FRAME2]))), [FRAME2]);
  });

  it('a copy is kept: a source reusing its buffer cannot change a frame already found or held back', () => {
    const framer = new MbusFramer();
    const chunk = Buffer.from(concatBytes([FRAME1, FRAME2.subarray(0, 10)]));
    const first = framer.push(chunk);
    chunk.fill(0);
    const rest = [...framer.push(FRAME2.subarray(10)), ...framer.end()];
    assert.deepEqual(frame(first), [FRAME1]);
    assert.deepEqual(frame(rest), [FRAME2]);
  });

  it('never holds more than one frame back, whatever arrives', () => {
    const framer = new MbusFramer();
    const junk = [
      new Uint8Array(5000).fill(0x68),
      hex('68FAFA68'),
      new Uint8Array(3000).map((_, i) => (i * 37) & 0xff),
      hex('6801016853'),
    ];
    for (const chunk of junk) {
      framer.push(chunk);
      assert.ok(framer.buffered < MBUS_MAX_FRAME_LENGTH, `buffered ${framer.buffered}`);
    }
  });

  it('at the end, a held-back partial frame is TRUNCATED and held-back junk is discarded', () => {
    const partial = new MbusFramer();
    partial.push(FRAME1.subarray(0, 50));
    assert.deepEqual(
      partial.end().map((e) => (e.kind === 'error' ? e.error.code : e.kind)),
      ['TRUNCATED'],
    );
    const junk = new MbusFramer();
    junk.push(hex('AA10'));
    assert.deepEqual(
      junk.end().map((e) => e.kind),
      ['discarded'],
    );
  });

  it('awaited: a push of fewer bytes than it says yields nothing, and a frame is awaited to its last byte', () => {
    const framer = new MbusFramer();
    const stream = concatBytes([hex('6810'), FRAME1, hex('00'), FRAME2]);
    let frames = 0;
    for (const byte of stream) {
      const before = framer.awaited;
      const events = framer.push(Uint8Array.of(byte));
      if (before > 1) {
        assert.deepEqual(events, []);
        assert.equal(framer.awaited, before - 1);
      }
      frames += frame(events).length;
    }
    assert.equal(frames, 2);
    assert.equal(framer.awaited, 0);
    const header = new MbusFramer();
    header.push(FRAME1.subarray(0, 2));
    assert.equal(header.awaited, 2);
    header.push(FRAME1.subarray(2, 10));
    assert.equal(header.awaited, FRAME1.length - 10);
    header.end();
    assert.equal(header.awaited, 0);
  });
});
