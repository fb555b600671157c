import { pooledCopy } from '../bytes/byte-pool.js';
import type { FramerEventOf } from '../bytes/framer-event.js';
import { concat, copyOf } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import { crcMatches } from './crc16-x25.js';
import {
  HDLC_CRC_LENGTH,
  HDLC_FLAG,
  HDLC_FORMAT_TYPE_3,
  HDLC_FORMAT_TYPE_MASK,
  HDLC_LENGTH_HIGH_MASK,
  HDLC_MIN_LENGTH,
  type HdlcFrame,
  hdlcAddressLength,
  hdlcFrameFromRaw,
} from './hdlc-frame.js';

export type HdlcFramerEvent = FramerEventOf<HdlcFrame>;

type Candidate =
  | { status: 'need-more' }
  /** `total` counts the closing flag only when there is one. */
  | { status: 'frame'; total: number; destinationLength: number; sourceLength: number }
  /** Closing flag where the length says, but HCS or FCS wrong: a damaged frame. */
  | { status: 'checksum'; total: number; header: boolean }
  /** A header whose HCS is right, but no closing flag where its length says: bytes were lost on the line. */
  | { status: 'truncated'; total: number }
  | { status: 'invalid' };

const EMPTY = new Uint8Array(0);
/**
 * A frame whose header check fails is still waited for, to report it as CHECKSUM when its closing flag is
 * where its length says, but only up to this size (every captured push frame has at most 141 bytes).
 */
export const HDLC_MAX_UNCHECKED_FRAME = 512;
/** Flag and format field: where the addresses start. */
const FORMAT_END = 3;

/**
 * Finds IEC 62056-46 HDLC frames in a byte stream fed in arbitrary chunks.
 *
 * Every 0x7E is tried as an opening flag; a frame is accepted only when format type, addresses, HCS,
 * FCS and the closing flag where the length says all agree. A rejected candidate advances by one byte,
 * so a good frame that starts inside a damaged or cut-short one is still found. The closing flag of one
 * frame may be the opening flag of the next (IEC 62056-46 allows it), and a flag that opens nothing is
 * fill, not discarded data. Between pushes at most one frame's worth of bytes is kept
 * (HDLC_MAX_FRAME_LENGTH − 1). It never looks inside the information field.
 */
export class HdlcFramer {
  private pending: Uint8Array = EMPTY;
  /**
   * How far into `pending` a frame already reported as CHECKSUM reaches: its bytes are not reported again
   * in the next push, whatever the chunking.
   */
  private pendingReported = 0;

  /** Bytes held back while waiting for the rest of a possible frame. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): HdlcFramerEvent[] {
    return this.scan(this.pending.length === 0 ? chunk : concat(this.pending, chunk), false);
  }

  /**
   * End of stream: what was held back is scanned once more, with nothing more to wait for. A candidate
   * that still lacks bytes is one TRUNCATED report; frames after it (a damaged length made it claim them)
   * are still found.
   */
  end(): HdlcFramerEvent[] {
    return this.scan(this.pending, true);
  }

  private scan(data: Uint8Array, final: boolean): HdlcFramerEvent[] {
    const events: HdlcFramerEvent[] = [];
    let discardStart = -1;
    // Bytes inside a frame already reported as CHECKSUM are not reported again, as discarded or as errors.
    let reportedUntil = this.pendingReported;
    const flushDiscard = (end: number): void => {
      if (discardStart >= 0 && end > discardStart) {
        events.push({ kind: 'discarded', bytes: copyOf(data, discardStart, end) });
      }
      discardStart = -1;
    };

    let i = 0;
    let keepFrom = data.length;
    while (i < data.length) {
      if (data[i] === HDLC_FLAG) {
        const candidate = tryFrame(data, i);
        if (candidate.status === 'need-more' && !final) {
          keepFrom = i;
          break;
        }
        if (candidate.status === 'need-more' && i >= reportedUntil && opensFormat(data, i)) {
          flushDiscard(i);
          events.push({
            kind: 'error',
            error: new MeterError(
              'TRUNCATED',
              `the stream ended inside an HDLC frame (${data.length - i} bytes)`,
              { raw: copyOf(data, i, data.length) },
            ),
          });
          // One loss: nothing after it is reported again, but frames after it are still found.
          reportedUntil = data.length;
        }
        if (candidate.status === 'frame') {
          flushDiscard(i);
          // From the shared pool, as the M-Bus framer's frames: a frame copy of its own per frame cost more
          // than checking it (bytes/byte-pool.ts).
          const raw = pooledCopy(data, i, i + candidate.total);
          events.push({
            kind: 'frame',
            frame: hdlcFrameFromRaw(raw, candidate.destinationLength, candidate.sourceLength),
          });
          // The closing flag may open the next frame: it is tried again, and is fill if it does not.
          i = i + candidate.total - (data[i + candidate.total - 1] === HDLC_FLAG ? 1 : 0);
          continue;
        }
        if (candidate.status === 'checksum' && i >= reportedUntil) {
          flushDiscard(i);
          const which = candidate.header ? 'header check (HCS)' : 'frame check (FCS)';
          events.push({
            kind: 'error',
            error: new MeterError(
              'CHECKSUM',
              `HDLC ${which} does not match (frame of ${candidate.total} bytes dropped; line noise or a loose read head)`,
              { raw: copyOf(data, i, i + candidate.total) },
            ),
          });
          reportedUntil = i + candidate.total;
          i++;
          continue;
        }
        if (candidate.status === 'truncated' && i >= reportedUntil) {
          // Reported so that a lost telegram is counted; the bytes are scanned on, for the next frame.
          flushDiscard(i);
          events.push({
            kind: 'error',
            error: new MeterError(
              'TRUNCATED',
              `HDLC frame cut short: its header says ${candidate.total} bytes, but its closing flag is not there (bytes lost on the line, or the read head moved)`,
              { raw: copyOf(data, i, i + candidate.total) },
            ),
          });
        }
        // A flag that opens no frame is fill, never discarded data: whether it sat inside a run of noise
        // would depend on where the chunks were cut.
        flushDiscard(i);
        i++;
        continue;
      }
      if (discardStart < 0 && i >= reportedUntil) discardStart = i;
      i++;
    }
    flushDiscard(Math.min(keepFrom, data.length));
    this.pending = keepFrom < data.length ? copyOf(data, keepFrom, data.length) : EMPTY;
    this.pendingReported = Math.max(0, Math.min(reportedUntil - keepFrom, this.pending.length));
    return events;
  }
}

/** A flag followed by a byte that can begin a type 3 format field. */
function opensFormat(data: Uint8Array, i: number): boolean {
  return i + 1 < data.length && ((data[i + 1] as number) & HDLC_FORMAT_TYPE_MASK) === HDLC_FORMAT_TYPE_3;
}

function tryFrame(data: Uint8Array, i: number): Candidate {
  const end = data.length;
  if (end - i < FORMAT_END) return { status: 'need-more' };
  const format = data[i + 1] as number;
  if ((format & HDLC_FORMAT_TYPE_MASK) !== HDLC_FORMAT_TYPE_3) return { status: 'invalid' };
  const length = ((format & HDLC_LENGTH_HIGH_MASK) << 8) | (data[i + 2] as number);
  if (length < HDLC_MIN_LENGTH) return { status: 'invalid' };
  const total = length + 2;

  const destinationLength = hdlcAddressLength(data, i + FORMAT_END, end);
  if (destinationLength < 0) return { status: 'need-more' };
  if (destinationLength === 0) return { status: 'invalid' };
  const sourceLength = hdlcAddressLength(data, i + FORMAT_END + destinationLength, end);
  if (sourceLength < 0) return { status: 'need-more' };
  if (sourceLength === 0) return { status: 'invalid' };
  // Format, addresses and control: what the HCS covers.
  const headerLength = 2 + destinationLength + sourceLength + 1;
  const withoutInformation = headerLength + HDLC_CRC_LENGTH;
  // An information field of at least one byte needs an HCS and an FCS; between the two shapes, nothing fits.
  if (length !== withoutInformation && length < withoutInformation + HDLC_CRC_LENGTH + 1) {
    return { status: 'invalid' };
  }
  const bodyStart = i + 1;
  const hasHcs = length !== withoutInformation;
  if (hasHcs) {
    // A 0x7E inside noise or ciphertext would otherwise hold the stream back for up to 2 KiB, the
    // telegrams behind it included: a long frame is waited for only when its header checks out.
    if (end - bodyStart < headerLength + HDLC_CRC_LENGTH) return { status: 'need-more' };
    if (total > HDLC_MAX_UNCHECKED_FRAME && !crcMatches(data, bodyStart, bodyStart + headerLength)) {
      return { status: 'invalid' };
    }
  }
  if (end - i < total) return { status: 'need-more' };

  const fcsAt = i + length - 1;
  const hcsOk = hasHcs ? crcMatches(data, bodyStart, bodyStart + headerLength) : true;
  const fcsOk = crcMatches(data, bodyStart, fcsAt);
  const closed = data[i + total - 1] === HDLC_FLAG;
  if (closed && hcsOk && fcsOk) return { status: 'frame', total, destinationLength, sourceLength };
  if (closed) return { status: 'checksum', total, header: !hcsOk };
  // Two CRCs that agree outweigh a missing closing flag: a Wiener Netze AM550 capture (vector 14) has the
  // byte after its FCS replaced. The byte is then left to the scan, as it may open the next frame.
  if (hasHcs && hcsOk && fcsOk) {
    return { status: 'frame', total: total - 1, destinationLength, sourceLength };
  }
  // Without an HCS, nothing vouches for this header but the FCS itself.
  if (hasHcs ? hcsOk : fcsOk) return { status: 'truncated', total };
  return { status: 'invalid' };
}
