import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeHdlcGbt } from '../../src/encode/gbt-encoder.js';
import { encodeHdlcApdu } from '../../src/encode/hdlc-frame-encoder.js';
import { ERROR_CODES, isMeterError } from '../../src/errors.js';
import { crc16X25 } from '../../src/hdlc/crc16-x25.js';
import { HDLC_MAX_FRAME_LENGTH } from '../../src/hdlc/hdlc-frame.js';
import { chunksArb, split } from '../support/arbitraries.js';
import { type HdlcPipelineResult, runHdlc } from '../support/hdlc-pipeline.js';
import { concatBytes, framesOf, VECTORS } from '../support/vectors.js';

/** The HDLC framer, reassembler and block transfer, under the properties the M-Bus path has. */

const REAL_FRAMES = VECTORS.filter((v) => v.transport.startsWith('hdlc')).flatMap((v) => framesOf(v));
/** Without vector 14, whose closing flag arrived damaged. */
const CLOSED_FRAMES = REAL_FRAMES.filter((f) => f.at(-1) === 0x7e);
const BYTE_FLIPS = fc.integer({ min: 0, max: 7 });

/** An APDU that is no block transfer itself (0xE0 would be read as one), as real ones start DB or 0F. */
const apduArb = fc
  .tuple(fc.constantFrom(0xdb, 0x0f, 0x01), fc.uint8Array({ minLength: 0, maxLength: 2500 }))
  .map(([tag, rest]) => concatBytes([Uint8Array.of(tag), rest]));

const addressArb = fc
  .integer({ min: 1, max: 4 })
  .chain((n) =>
    fc
      .array(fc.integer({ min: 0, max: 127 }), { minLength: n, maxLength: n })
      .map((values) => Uint8Array.from(values, (v, i) => (v << 1) | (i === n - 1 ? 1 : 0))),
  );

type Sending = { gbt: boolean; blockSize: number | undefined; maxInformation: number };
const sendingArb: fc.Arbitrary<Sending> = fc.record({
  gbt: fc.boolean(),
  blockSize: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
  maxInformation: fc.integer({ min: 20, max: 400 }),
});

function encode(apdu: Uint8Array, s: Sending, destination: Uint8Array, source: Uint8Array): Uint8Array[] {
  const addressing = { destination, source, maxInformation: s.maxInformation };
  return s.gbt
    ? encodeHdlcGbt(apdu, { ...addressing, ...(s.blockSize === undefined ? {} : { blockSize: s.blockSize }) })
    : encodeHdlcApdu(apdu, addressing);
}

function codes(result: HdlcPipelineResult): string[] {
  return result.errors.map((e) => e.code);
}

function chunked(bytes: Uint8Array, seed: number): Uint8Array[] {
  const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
  return split(bytes, cuts);
}

describe('HDLC stream properties', () => {
  it('CRC-16/X-25 has the catalogued check value', () => {
    assert.equal(crc16X25(new TextEncoder().encode('123456789')), 0x906e);
  });

  it('any APDU, any segmentation or block size, any chunking: encoder → framer → reassembler → GBT round-trips', () => {
    fc.assert(
      fc.property(
        fc.array(apduArb, { minLength: 1, maxLength: 3 }),
        sendingArb,
        addressArb,
        addressArb,
        fc.uint8Array({ maxLength: 30 }),
        fc.nat(),
        (apdus, sending, destination, source, garbage, seed) => {
          const stream = concatBytes([
            garbage,
            ...apdus.flatMap((a) => encode(a, sending, destination, source)),
          ]);
          const result = runHdlc(chunked(stream, seed));
          // Garbage may look like the start of a frame and be reported, but it never costs a telegram.
          assert.deepEqual(result.apdus, apdus);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('any chunking gives the same frames and the same error codes as the whole stream', () => {
    const pieceArb = fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      { weight: 2, arbitrary: fc.constantFrom(...REAL_FRAMES) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(Uint8Array.of(0x7e), Uint8Array.of(0x7e, 0xa0), Uint8Array.of(0x7e, 0x7e)),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(...REAL_FRAMES), fc.nat(), BYTE_FLIPS)
          .map(([f, at, bit]) => flip(f, at % f.length, bit)),
      },
    );
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 8 }), fc.nat(), (pieces, seed) => {
        const stream = concatBytes(pieces);
        const whole = runHdlc([stream]);
        const parts = runHdlc(chunked(stream, seed));
        assert.deepEqual(
          parts.frames.map((f) => f.raw),
          whole.frames.map((f) => f.raw),
        );
        assert.deepEqual(codes(parts), codes(whole));
        assert.deepEqual(parts.apdus, whole.apdus);
        assert.equal(parts.discarded, whole.discarded);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes give frames or our error codes, never an exception, and the buffer stays bounded', () => {
    const hdlcish = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
        { weight: 1, arbitrary: fc.constantFrom(...REAL_FRAMES) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            Uint8Array.of(0x7e, 0xa7, 0xff),
            Uint8Array.of(0x7e, 0xa8, 0x10, 0xcf, 0x03, 0x13),
            Uint8Array.of(0xe0, 0x40, 0x00, 0x02),
          ),
        },
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(hdlcish, fc.nat(), (pieces, seed) => {
        const stream = concatBytes(pieces);
        let result: HdlcPipelineResult;
        try {
          result = runHdlc(chunked(stream, seed));
        } catch (error) {
          assert.fail(`escaped as an exception: ${String(error)}`);
        }
        for (const e of result.errors) {
          assert.ok(isMeterError(e));
          assert.ok(ERROR_CODES.includes(e.code));
        }
        for (const b of result.buffered) assert.ok(b < HDLC_MAX_FRAME_LENGTH);
      }),
      { numRuns: 400 },
    );
  });

  it('the buffer holds no more than one frame while a false header waits for its length', () => {
    const falseHeader = Uint8Array.of(0x7e, 0xa7, 0xff, 0xcf, 0x03, 0x13, 0x00, 0x00);
    const chunks = [falseHeader, ...Array.from({ length: 100 }, () => new Uint8Array(100).fill(0x55))];
    const result = runHdlc(chunks);
    assert.ok(Math.max(...result.buffered) < HDLC_MAX_FRAME_LENGTH);
  });

  it('one or two flipped bits between format and FCS of a real frame give exactly one CHECKSUM, and the next frame is found', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLOSED_FRAMES),
        fc.constantFrom(...CLOSED_FRAMES),
        fc.array(fc.tuple(fc.nat(), BYTE_FLIPS), { minLength: 1, maxLength: 2 }),
        (frame, next, flips) => {
          let damaged = frame;
          // The format field and the addresses are left alone: there a flip may make the frame unrecognisable
          // (then it is noise, tested below); from the control byte on, the CRCs must catch it.
          const controlAt = controlIndex(frame);
          for (const [at, bit] of flips) {
            damaged = flip(damaged, controlAt + (at % (frame.length - 1 - controlAt)), bit);
          }
          fc.pre(!sameBytes(damaged, frame));
          const result = runHdlc([damaged, next]);
          assert.deepEqual(
            result.errors.filter((e) => e.code === 'CHECKSUM').map((e) => e.code),
            ['CHECKSUM'],
          );
          assert.deepEqual(
            result.frames.map((f) => f.raw),
            [next],
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a flipped bit anywhere in a real frame never yields altered bytes as a frame, and the next frame is found', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLOSED_FRAMES),
        fc.constantFrom(...CLOSED_FRAMES),
        fc.nat(),
        BYTE_FLIPS,
        (frame, next, at, bit) => {
          const damaged = flip(frame, at % frame.length, bit);
          const result = runHdlc([damaged, next]);
          const raws = result.frames.map((f) => f.raw);
          assert.ok(raws.length >= 1 && sameBytes(raws.at(-1) as Uint8Array, next));
          // Only a flip in a flag may leave the frame itself intact and accepted.
          for (const raw of raws.slice(0, -1)) assert.ok(sameBytes(raw, frame.subarray(0, raw.length)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a frame lost from a telegram is reported once, and the next telegram still comes through', () => {
    fc.assert(
      fc.property(apduArb, apduArb, sendingArb, fc.nat(), (first, second, sending, drop) => {
        const lossy = encode(first, sending, Uint8Array.of(0xcf), Uint8Array.of(0x02, 0x23));
        fc.pre(lossy.length >= 2);
        lossy.splice(drop % lossy.length, 1);
        const good = encode(second, sending, Uint8Array.of(0xcf), Uint8Array.of(0x02, 0x23));
        const result = runHdlc([...lossy, ...good]);
        assert.ok(sameBytes(result.apdus.at(-1) as Uint8Array, second), 'the next telegram comes through');
        // A lost middle segment of a UI-frame telegram is invisible to HDLC: the APDU comes out short, and its
        // own length field reports it. Either way, one report or one wrong APDU, never two.
        const wrong = result.apdus.length - 1;
        assert.equal(
          result.errors.length + wrong,
          1,
          `errors: ${codes(result).join(', ')}, wrong APDUs: ${wrong}`,
        );
        assert.ok(!result.apdus.slice(0, -1).some((a) => sameBytes(a, first)));
      }),
      { numRuns: 300 },
    );
  });
});

function flip(bytes: Uint8Array, at: number, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = (out[at] as number) ^ (1 << bit);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Where the control byte of a well-formed frame is: after the flag, the format and both addresses. */
function controlIndex(frame: Uint8Array): number {
  let at = 3;
  for (let address = 0; address < 2; address++) {
    while (((frame[at] as number) & 1) === 0) at++;
    at++;
  }
  return at;
}
