import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { frameLayers } from '../../src/web/frame-layers.js';
import { dsmrFixture } from '../support/dsmr-fixtures.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';

/** The web page's hex view of real frames, as the framers hand them over: every byte shown once, in order. */

function checkedFrames(v: Vector): Uint8Array[] {
  const decoder = new TelegramDecoder({ encryptionKey: hex(v.key_hex ?? '00'.repeat(16)) });
  const events = [...decoder.push(concatBytes(framesOf(v))), ...decoder.end()];
  return events.flatMap((e) => (e.kind === 'frame' ? [e.frame.raw] : []));
}

describe('frame layers for the hex view', () => {
  it('cuts an M-Bus frame into header, control, transport, ciphering header, payload and trailer', () => {
    const [first] = checkedFrames(VECTORS[5] as Vector);
    assert.ok(first !== undefined);
    const spans = frameLayers(first);
    assert.deepEqual(
      spans.map((s) => s.layer),
      ['mbus-header', 'mbus-control', 'transport', 'glo-header', 'payload', 'mbus-trailer'],
    );
    assert.equal(spans.map((s) => s.hex).join(''), Buffer.from(first).toString('hex').toUpperCase());
  });

  it('cuts the OMS frame of vector 22 into M-Bus header, control, OMS long header, payload and trailer', () => {
    const [frame] = checkedFrames(VECTORS[22] as Vector);
    assert.ok(frame !== undefined);
    const spans = frameLayers(frame);
    assert.deepEqual(
      spans.map((s) => s.layer),
      ['mbus-header', 'mbus-control', 'transport', 'payload', 'mbus-trailer'],
    );
    assert.equal(spans[2]?.hex.length, 24, 'the 12-byte OMS long header');
    assert.equal(spans.map((s) => s.hex).join(''), Buffer.from(frame).toString('hex').toUpperCase());
  });

  it('cuts a bare APDU into its ciphering header and payload', () => {
    const apdu = hex(dsmrFixture('t210d-r-energienetze-steiermark').apdu_hex as string);
    const spans = frameLayers(apdu);
    assert.deepEqual(
      spans.map((s) => s.layer),
      ['glo-header', 'payload'],
    );
    assert.equal(spans.map((s) => s.hex).join(''), Buffer.from(apdu).toString('hex').toUpperCase());
  });

  for (const index of [12, 14, 15, 18]) {
    const v = VECTORS[index] as Vector;
    it(`cuts the HDLC frames of vector ${index} (${v.meter}) into HDLC, LLC, ciphering header, payload`, () => {
      const frames = checkedFrames(v);
      assert.ok(frames.length > 0);
      frames.forEach((raw, i) => {
        const spans = frameLayers(raw);
        assert.equal(spans.map((s) => s.hex).join(''), Buffer.from(raw).toString('hex').toUpperCase());
        assert.equal(spans[0]?.layer, 'hdlc-header');
        assert.equal(spans.at(-1)?.layer, 'hdlc-trailer');
        if (i === 0) {
          assert.equal(spans[1]?.layer, 'llc');
          assert.equal(spans[1]?.hex.slice(0, 4), 'E6E7');
        }
        // A block transfer's first frame starts with the block header (E0), the others carry on the APDU.
        const ciphered = spans.find((s) => s.layer === 'glo-header');
        if (i === 0 && v.transport === 'hdlc')
          assert.match(ciphered?.hex ?? '', new RegExp(`^DB08${v.system_title_hex}`));
        else assert.equal(ciphered, undefined);
      });
    });
  }
});
