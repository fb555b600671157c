import { pooledCopy } from '../bytes/byte-pool.js';
import type { FramerEventOf } from '../bytes/framer-event.js';
import { concat, copyOf } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import {
  MBUS_ACK,
  MBUS_HEADER_LENGTH,
  MBUS_LONG_START,
  MBUS_MAX_OVERFLOW_BODY,
  MBUS_MIN_BODY,
  MBUS_SHORT_START,
  MBUS_STOP,
  type MbusFrame,
  mbusChecksum,
  mbusFrameFromRaw,
} from './mbus-frame.js';

export type FramerEvent = FramerEventOf<MbusFrame>;

type Candidate =
  /** `total`: the bytes from the frame start needed before the candidate can be judged. */
  | { status: 'need-more'; total: number }
  | { status: 'frame'; length: number; lengthOverflow: boolean }
  | { status: 'checksum'; length: number }
  /** A frame header whose frame does not end where its length says: bytes were lost on the line. */
  | { status: 'truncated'; length: number }
  | { status: 'invalid' };

const SHORT_FRAME_LENGTH = 5;
const EMPTY = new Uint8Array(0);

/**
 * Finds M-Bus long frames in a byte stream fed in arbitrary chunks.
 *
 * It resynchronises by trying every 0x68 as a frame start and accepting only a frame whose length
 * bytes agree, whose stop byte is 0x16 and whose checksum matches. A rejected candidate advances by
 * one byte only, so a good frame that starts inside a truncated or corrupted one is still found.
 * Between pushes it keeps at most one frame's worth of bytes (MBUS_MAX_FRAME_LENGTH − 1).
 * It never decodes what is inside a frame.
 */
export class MbusFramer {
  private pending: Uint8Array = EMPTY;
  private missing = 0;

  /** Bytes held back while waiting for the rest of a possible frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * How many more bytes must arrive before the bytes held back can be judged; 0 when none are held back.
   * Until then a push yields nothing, so a reader may let that many bytes gather before it reads.
   */
  get awaited(): number {
    return this.missing;
  }

  push(chunk: Uint8Array): FramerEvent[] {
    const data = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const events: FramerEvent[] = [];
    let discardStart = -1;
    // Bytes inside a frame already reported as CHECKSUM are not reported again as discarded.
    let reportedUntil = 0;
    const flushDiscard = (end: number): void => {
      if (discardStart >= 0 && end > discardStart) {
        events.push({ kind: 'discarded', bytes: copyOf(data, discardStart, end) });
      }
      discardStart = -1;
    };

    let i = 0;
    let keepFrom = data.length;
    this.missing = 0;
    while (i < data.length) {
      const byte = data[i];
      if (byte === MBUS_LONG_START) {
        const candidate = tryLongFrame(data, i);
        if (candidate.status === 'need-more') {
          keepFrom = i;
          this.missing = candidate.total - (data.length - i);
          break;
        }
        if (candidate.status === 'frame') {
          flushDiscard(i);
          const raw = pooledCopy(data, i, i + candidate.length);
          events.push({ kind: 'frame', frame: mbusFrameFromRaw(raw, candidate.lengthOverflow) });
          i += candidate.length;
          continue;
        }
        if (candidate.status === 'checksum' && i >= reportedUntil) {
          flushDiscard(i);
          const raw = copyOf(data, i, i + candidate.length);
          events.push({
            kind: 'error',
            error: new MeterError(
              'CHECKSUM',
              `M-Bus frame checksum does not match (frame of ${candidate.length} bytes dropped; line noise or a loose contact)`,
              { raw },
            ),
          });
          reportedUntil = i + candidate.length;
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
              `M-Bus frame cut short: its length says ${candidate.length} bytes, but its stop byte is not there (bytes lost on the line, or the adapter was unplugged)`,
              { raw: copyOf(data, i, i + candidate.length) },
            ),
          });
        }
      } else if (byte === MBUS_ACK) {
        flushDiscard(i);
        i++;
        continue;
      } else if (byte === MBUS_SHORT_START) {
        if (data.length - i < SHORT_FRAME_LENGTH) {
          keepFrom = i;
          this.missing = SHORT_FRAME_LENGTH - (data.length - i);
          break;
        }
        if (isShortFrame(data, i)) {
          flushDiscard(i);
          i += SHORT_FRAME_LENGTH;
          continue;
        }
      }
      if (discardStart < 0 && i >= reportedUntil) discardStart = i;
      i++;
    }
    flushDiscard(Math.min(keepFrom, data.length));
    this.pending = keepFrom < data.length ? copyOf(data, keepFrom, data.length) : EMPTY;
    return events;
  }

  /** End of stream: whatever is still held back is reported, as TRUNCATED when it starts like a frame. */
  end(): FramerEvent[] {
    const rest = this.pending;
    this.pending = EMPTY;
    this.missing = 0;
    if (rest.length === 0) return [];
    if (rest[0] === MBUS_LONG_START) {
      return [
        {
          kind: 'error',
          error: new MeterError(
            'TRUNCATED',
            `the stream ended inside an M-Bus frame (${rest.length} bytes)`,
            {
              raw: rest,
            },
          ),
        },
      ];
    }
    return [{ kind: 'discarded', bytes: rest }];
  }
}

function isShortFrame(data: Uint8Array, i: number): boolean {
  return (
    data[i + 4] === MBUS_STOP && (((data[i + 1] as number) + (data[i + 2] as number)) & 0xff) === data[i + 3]
  );
}

/** Checks a body length at frame start `i`: 'ok', 'checksum' (stop byte right, sum wrong) or 'bad'. */
function checkBody(data: Uint8Array, i: number, bodyLength: number): 'ok' | 'checksum' | 'bad' {
  const csIndex = i + MBUS_HEADER_LENGTH + bodyLength;
  if (data[csIndex + 1] !== MBUS_STOP) return 'bad';
  return mbusChecksum(data, i + MBUS_HEADER_LENGTH, csIndex) === data[csIndex] ? 'ok' : 'checksum';
}

function tryLongFrame(data: Uint8Array, i: number): Candidate {
  const available = data.length - i;
  if (available < MBUS_HEADER_LENGTH) return { status: 'need-more', total: MBUS_HEADER_LENGTH };
  const length = data[i + 1] as number;
  if (data[i + 2] !== length || data[i + 3] !== MBUS_LONG_START) return { status: 'invalid' };

  const normalTotal = MBUS_HEADER_LENGTH + length + 2;
  let normal: 'ok' | 'checksum' | 'bad' = 'bad';
  if (length >= MBUS_MIN_BODY) {
    if (available < normalTotal) return { status: 'need-more', total: normalTotal };
    normal = checkBody(data, i, length);
    if (normal === 'ok') return { status: 'frame', length: normalTotal, lengthOverflow: false };
  }
  // The T210-D's wrapped length: believed only when stop byte and checksum over L + 256 bytes both match.
  const overflowBody = length + 256;
  const overflowTotal = MBUS_HEADER_LENGTH + overflowBody + 2;
  let overflow: 'ok' | 'checksum' | 'bad' = 'bad';
  if (overflowBody <= MBUS_MAX_OVERFLOW_BODY) {
    if (available < overflowTotal) return { status: 'need-more', total: overflowTotal };
    overflow = checkBody(data, i, overflowBody);
    if (overflow === 'ok') return { status: 'frame', length: overflowTotal, lengthOverflow: true };
  }
  if (normal === 'checksum') return { status: 'checksum', length: normalTotal };
  if (overflow === 'checksum') return { status: 'checksum', length: overflowTotal };
  return { status: 'truncated', length: length >= MBUS_MIN_BODY ? normalTotal : overflowTotal };
}
