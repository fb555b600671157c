import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeGbtBlock, GbtReassembler } from '../../src/dlms/general-block-transfer.js';
import { encodeGbtBlocks } from '../../src/encode/gbt-encoder.js';
import { encodeHdlcApdu, encodeHdlcFrame } from '../../src/encode/hdlc-frame-encoder.js';
import type { HdlcFrame } from '../../src/hdlc/hdlc-frame.js';
import { HdlcFramer, type HdlcFramerEvent } from '../../src/hdlc/hdlc-framer.js';
import { HdlcReassembler } from '../../src/hdlc/hdlc-reassembler.js';
import { concatBytes, framesOf, hex, VECTORS } from '../support/vectors.js';

const AM550 = framesOf(VECTORS[16] as (typeof VECTORS)[number])[0] as Uint8Array;
const E450 = framesOf(VECTORS[12] as (typeof VECTORS)[number])[0] as Uint8Array;
const GBT_FRAMES = framesOf(VECTORS[18] as (typeof VECTORS)[number]);

function all(framer: HdlcFramer, ...chunks: Uint8Array[]): HdlcFramerEvent[] {
  return [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];
}

function frames(events: readonly HdlcFramerEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.kind === 'frame' ? [e.frame.raw] : []));
}

function codes(events: readonly { kind: string; error?: { code: string } }[]): string[] {
  return events.flatMap((e) => (e.kind === 'error' && e.error !== undefined ? [e.error.code] : []));
}

function frameOf(bytes: Uint8Array): HdlcFrame {
  const found = new HdlcFramer().push(bytes).find((e) => e.kind === 'frame');
  assert.ok(found !== undefined && found.kind === 'frame');
  return found.frame;
}

describe('HDLC framer', () => {
  it('reads the fields of a real frame', () => {
    const frame = frameOf(AM550);
    assert.deepEqual([...frame.destination], [0xcf]);
    assert.deepEqual([...frame.source], [0x02, 0x23]);
    assert.equal(frame.control, 0x13);
    assert.equal(frame.segmented, false);
    assert.deepEqual([...frame.information.subarray(0, 5)], [0xe6, 0xe7, 0x00, 0xdb, 0x08]);
    assert.equal(frame.information.length, AM550.length - 12);
  });

  it('finds frames after garbage and reports only the garbage as discarded', () => {
    const events = all(new HdlcFramer(), concatBytes([hex('00112233'), AM550, E450]));
    assert.deepEqual(frames(events), [AM550, E450]);
    assert.deepEqual(
      events.flatMap((e) => (e.kind === 'discarded' ? [[...e.bytes]] : [])),
      [[0x00, 0x11, 0x22, 0x33]],
    );
  });

  it('a damaged information byte is one CHECKSUM (FCS), its bytes are not also discarded, and the next frame is found', () => {
    const bad = Uint8Array.from(AM550);
    bad[40] = (bad[40] as number) ^ 0x10;
    const events = all(new HdlcFramer(), concatBytes([bad, E450]));
    assert.deepEqual(codes(events), ['CHECKSUM']);
    const error = events.find((e) => e.kind === 'error');
    assert.ok(error?.kind === 'error' && /FCS/.test(error.error.message));
    assert.deepEqual(error.error.raw, bad);
    assert.equal(events.filter((e) => e.kind === 'discarded').length, 0);
    assert.deepEqual(frames(events), [E450]);
  });

  it('a damaged header is one CHECKSUM (HCS)', () => {
    const bad = Uint8Array.from(AM550);
    bad[6] = (bad[6] as number) ^ 0x20; // the control byte
    const events = all(new HdlcFramer(), concatBytes([bad, E450]));
    assert.deepEqual(codes(events), ['CHECKSUM']);
    assert.ok(events.some((e) => e.kind === 'error' && /HCS/.test(e.error.message)));
  });

  it('a frame cut short and followed by a good one: one TRUNCATED, and the good one is found', () => {
    const events = all(new HdlcFramer(), concatBytes([AM550.subarray(0, 60), E450, AM550]));
    assert.deepEqual(codes(events), ['TRUNCATED']);
    assert.deepEqual(frames(events), [E450, AM550]);
  });

  it('the stream ending inside a frame is one TRUNCATED; a lone closing flag is not', () => {
    assert.deepEqual(codes(all(new HdlcFramer(), AM550.subarray(0, 50))), ['TRUNCATED']);
    assert.deepEqual(codes(all(new HdlcFramer(), AM550, hex('7E'))), []);
  });

  it('fed one byte at a time gives the same frames', () => {
    const bytes = concatBytes([AM550, E450, ...GBT_FRAMES]);
    const events = all(new HdlcFramer(), ...Array.from(bytes, (b) => Uint8Array.of(b)));
    assert.deepEqual(frames(events), [AM550, E450, ...GBT_FRAMES]);
    assert.deepEqual(codes(events), []);
  });

  it('a false header in noise claiming a long frame does not hold back the frame behind it', () => {
    const falseHeader = hex('7EA7F0CF0313AAAA'); // 2034 bytes claimed, HCS wrong
    const framer = new HdlcFramer();
    const events = framer.push(concatBytes([falseHeader, AM550]));
    assert.deepEqual(frames(events), [AM550]);
    assert.equal(framer.buffered, 1); // the closing flag, which may open the next frame
  });

  it('a frame without information field has no HCS, and is found', () => {
    const rr = encodeHdlcFrame({ information: new Uint8Array(0), control: 0x11 });
    assert.equal(rr.length, 10); // flags, format (2), CF, 02 23, control, FCS (2)
    const events = all(new HdlcFramer(), concatBytes([rr, AM550]));
    assert.deepEqual(frames(events), [rr, AM550]);
    assert.equal(frameOf(rr).information.length, 0);
  });

  it('a copy is kept: a source reusing its buffer cannot change a frame already found or held back', () => {
    const framer = new HdlcFramer();
    const buffer = Uint8Array.from(concatBytes([AM550, E450.subarray(0, 30)]));
    const first = framer.push(buffer);
    buffer.fill(0);
    const rest = framer.push(E450.subarray(30));
    assert.deepEqual(frames([...first, ...rest]), [AM550, E450]);
  });
});

describe('HDLC reassembler', () => {
  const apdu = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  apdu[0] = 0xdb;
  const segments = encodeHdlcApdu(apdu, { maxInformation: 100 }).map(frameOf);

  function push(reassembler: HdlcReassembler, list: readonly HdlcFrame[]) {
    return list.flatMap((f) => reassembler.push(f));
  }

  it('joins segments (segmentation bit on all but the last) and strips the LLC', () => {
    assert.equal(segments.length, 4);
    assert.deepEqual(
      segments.map((s) => s.segmented),
      [true, true, true, false],
    );
    const events = push(new HdlcReassembler(), segments);
    assert.equal(events.length, 1);
    assert.ok(events[0]?.kind === 'apdu');
    assert.deepEqual(events[0].apdu.apdu, apdu);
    assert.equal(events[0].apdu.llc, true);
  });

  it('a lost first segment: one SEGMENT_MISSING, the rest of that telegram goes quietly, the next comes through', () => {
    const events = push(new HdlcReassembler(), [...segments.slice(1), ...segments]);
    assert.deepEqual(codes(events), ['SEGMENT_MISSING']);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('a lost last segment: one SEGMENT_MISSING when the next telegram starts, which comes through', () => {
    const events = push(new HdlcReassembler(), [...segments.slice(0, 3), ...segments]);
    assert.deepEqual(codes(events), ['SEGMENT_MISSING']);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('I frames: a gap in N(S) is a missing segment', () => {
    const numbered = encodeHdlcApdu(apdu, { maxInformation: 100 }).map((_, n, all) =>
      frameOf(
        encodeHdlcFrame({
          information: frameOf(all[n] as Uint8Array).information,
          segmented: n < all.length - 1,
          control: (n << 1) & 0x0e,
        }),
      ),
    );
    const events = push(new HdlcReassembler(), [numbered[0], numbered[2], numbered[3]] as HdlcFrame[]);
    assert.deepEqual(codes(events), ['SEGMENT_MISSING']);
    assert.deepEqual(codes(push(new HdlcReassembler(), numbered)), []);
  });

  it('after a frame the framer lost, continuation segments go quietly', () => {
    const reassembler = new HdlcReassembler();
    reassembler.push(segments[0] as HdlcFrame);
    reassembler.frameLost();
    const events = push(reassembler, [...segments.slice(2), ...segments]);
    assert.deepEqual(codes(events), []);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('the stream ending mid-telegram is one SEGMENT_MISSING', () => {
    const reassembler = new HdlcReassembler();
    push(reassembler, segments.slice(0, 2));
    assert.deepEqual(codes(reassembler.end()), ['SEGMENT_MISSING']);
  });

  it("passes the E450's block frames without LLC through whole", () => {
    const events = push(new HdlcReassembler(), GBT_FRAMES.map(frameOf));
    assert.deepEqual(
      events.map((e) => (e.kind === 'apdu' ? [e.apdu.llc, e.apdu.apdu[0]] : e.kind)),
      [
        [true, 0xe0],
        [false, 0xe0],
        [false, 0xe0],
      ],
    );
  });
});

describe('general block transfer', () => {
  const blocks = GBT_FRAMES.map((f) => {
    const r = new HdlcReassembler().push(frameOf(f))[0];
    assert.ok(r?.kind === 'apdu');
    return r.apdu.apdu;
  });

  it("reads the E450's block headers", () => {
    assert.deepEqual(
      blocks.map((b) => {
        const { last, streaming, window, blockNumber, acknowledgedBlock, data } = decodeGbtBlock(b);
        return [last, streaming, window, blockNumber, acknowledgedBlock, data.length];
      }),
      [
        [false, true, 0, 1, 0, 0x77],
        [false, true, 0, 2, 0, 0x7a],
        [true, true, 0, 3, 0, 0x1f],
      ],
    );
  });

  it('joins the blocks into the general-glo-ciphering APDU', () => {
    const gbt = new GbtReassembler();
    const joined = blocks.flatMap((b) => gbt.push(b));
    assert.equal(joined.length, 1);
    assert.ok(joined[0]?.kind === 'apdu');
    assert.deepEqual([...joined[0].apdu.subarray(0, 2)], [0xdb, 0x08]);
    assert.equal(joined[0].apdu.length, 0x77 + 0x7a + 0x1f);
  });

  it('a lost block drops the telegram with one SEGMENT_MISSING; the next telegram comes through', () => {
    const gbt = new GbtReassembler();
    const events = [blocks[0], blocks[2], ...blocks].flatMap((b) => gbt.push(b as Uint8Array));
    assert.deepEqual(codes(events), ['SEGMENT_MISSING']);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('a lost last block is reported when the next block 1 arrives', () => {
    const gbt = new GbtReassembler();
    const events = [blocks[0], blocks[1], ...blocks].flatMap((b) => gbt.push(b as Uint8Array));
    assert.deepEqual(codes(events), ['SEGMENT_MISSING']);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('a block cut short is one TRUNCATED, and the blocks after it go quietly', () => {
    const gbt = new GbtReassembler();
    const cut = (blocks[1] as Uint8Array).subarray(0, 50);
    const events = [blocks[0], cut, blocks[2], ...blocks].flatMap((b) => gbt.push(b as Uint8Array));
    assert.deepEqual(codes(events), ['TRUNCATED']);
    assert.equal(events.filter((e) => e.kind === 'apdu').length, 1);
  });

  it('passes any other APDU through, and reports blocks it interrupts', () => {
    const gbt = new GbtReassembler();
    const other = hex('DB0849534B');
    const events = [blocks[0] as Uint8Array, other].flatMap((b) => gbt.push(b));
    assert.deepEqual(
      events.map((e) => (e.kind === 'apdu' ? [...e.apdu] : e.error.code)),
      ['SEGMENT_MISSING', [...other]],
    );
  });

  it('round-trips the encoder at every block size', () => {
    const apdu = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
    for (const size of [1, 2, 127, 128, 255, 256, 499, 500, 1000]) {
      const gbt = new GbtReassembler();
      const out = encodeGbtBlocks(apdu, size).flatMap((b) => gbt.push(b));
      assert.equal(out.length, 1);
      assert.ok(out[0]?.kind === 'apdu');
      assert.deepEqual(out[0].apdu, apdu);
    }
  });
});
