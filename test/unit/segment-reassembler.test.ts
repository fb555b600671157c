import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMbusLongFrame } from '../../src/encode/telegram-encoder.js';
import { type MbusFrame, mbusFrameFromRaw } from '../../src/mbus/mbus-frame.js';
import { type ReassemblyEvent, SegmentReassembler } from '../../src/mbus/segment-reassembler.js';
import { framesOf, VECTORS, type Vector } from '../support/vectors.js';

const asFrame = (raw: Uint8Array): MbusFrame => mbusFrameFromRaw(raw, false);
const segment = (ci: number, ...bytes: number[]): MbusFrame =>
  asFrame(encodeMbusLongFrame(ci, Uint8Array.of(0x01, 0x67, ...bytes)));
const [VKW1, VKW2] = framesOf(VECTORS[5] as Vector).map(asFrame) as [MbusFrame, MbusFrame];

function feed(...frames: MbusFrame[]): ReassemblyEvent[] {
  const reassembler = new SegmentReassembler();
  return [...frames.flatMap((f) => reassembler.push(f)), ...reassembler.end()];
}

const summary = (events: readonly ReassemblyEvent[]): string[] =>
  events.map((e) => (e.kind === 'apdu' ? `apdu ${e.apdu.apdu.length}` : e.error.code));

describe('DLMS segment reassembly', () => {
  it('joins CI 00 + 11 (a real VKW telegram) into the 354-byte general-glo-ciphering APDU', () => {
    const events = feed(VKW1, VKW2);
    assert.deepEqual(summary(events), ['apdu 354']);
    const apdu = events[0]?.kind === 'apdu' ? events[0].apdu : undefined;
    assert.equal(apdu?.apdu[0], 0xdb);
    assert.equal(apdu?.stsap, 0x01);
    assert.equal(apdu?.dtsap, 0x67);
  });

  it('passes a single segment (CI 10) straight through', () => {
    assert.deepEqual(summary(feed(segment(0x10, 0x0f, 1, 2))), ['apdu 3']);
  });

  it('drops a half telegram followed by a new first segment with SEGMENT_MISSING, and does not glue', () => {
    assert.deepEqual(summary(feed(VKW1, VKW1, VKW2)), ['SEGMENT_MISSING', 'apdu 354']);
  });

  it('a second segment without its first, or with the wrong sequence number, is SEGMENT_MISSING', () => {
    assert.deepEqual(summary(feed(VKW2)), ['SEGMENT_MISSING']);
    assert.deepEqual(summary(feed(VKW1, segment(0x12, 1))), ['SEGMENT_MISSING']);
    assert.deepEqual(summary(feed(segment(0x00, 1), segment(0x01, 2), segment(0x13, 3))), [
      'SEGMENT_MISSING',
    ]);
  });

  it('joins three segments in order', () => {
    assert.deepEqual(summary(feed(segment(0x00, 1), segment(0x01, 2), segment(0x12, 3))), ['apdu 3']);
  });

  it('rejects an EN 13757-3 frame (CI 0x5B, e.g. Siemens AMIS) as UNSUPPORTED, naming it', () => {
    const events = feed(asFrame(framesOf(VECTORS[22] as Vector)[0] as Uint8Array));
    assert.deepEqual(summary(events), ['UNSUPPORTED']);
    assert.match(events[0]?.kind === 'error' ? events[0].error.message : '', /EN 13757-3/);
  });

  it('a frame too short for STSAP and DTSAP is FRAME_INVALID', () => {
    assert.deepEqual(summary(feed(asFrame(encodeMbusLongFrame(0x10, Uint8Array.of(0x01))))), [
      'FRAME_INVALID',
    ]);
  });

  it('a telegram still waiting at the end of the stream is SEGMENT_MISSING', () => {
    assert.deepEqual(summary(feed(VKW1)), ['SEGMENT_MISSING']);
  });
});
