import { pooledJoin } from '../bytes/byte-pool.js';
import { concatAll } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import type { MbusFrame } from './mbus-frame.js';

/**
 * DLMS/COSEM M-Bus transport (IEC 62056-7-6): an APDU longer than one frame is split into segments.
 *
 * CI field: bits 7..5 = 0 (no M-Bus data header), bit 4 = FIN (last segment), bits 3..0 = sequence
 * number. Each frame's data starts with STSAP (0x01) and DTSAP (0x67) before the segment.
 * Seen: `00` + `11` (two segments), `10` (one).
 *
 * A telegram is only emitted when every segment arrived in order; a half telegram is dropped with
 * SEGMENT_MISSING rather than glued to the next one (which would decrypt to garbage).
 */

export const DLMS_CI_FIN = 0x10;
export const DLMS_CI_SEQUENCE_MASK = 0x0f;
const DLMS_CI_RESERVED_MASK = 0xe0;
const TRANSPORT_HEADER_LENGTH = 2;

export type ReassembledApdu = {
  readonly apdu: Uint8Array;
  readonly frames: readonly MbusFrame[];
  readonly stsap: number;
  readonly dtsap: number;
};

export type ReassemblyEvent =
  | { readonly kind: 'apdu'; readonly apdu: ReassembledApdu }
  | { readonly kind: 'error'; readonly error: MeterError };

type Pending = {
  frames: MbusFrame[];
  nextSequence: number;
  stsap: number;
  dtsap: number;
};

function describeCi(ci: number): string {
  const hex = ci.toString(16).padStart(2, '0').toUpperCase();
  if (ci === 0x72 || ci === 0x7a || ci === 0x5b || ci === 0x8a || ci === 0x8b) {
    return `CI 0x${hex} is an EN 13757-3 application layer (a wireless/OMS-style M-Bus meter such as Siemens AMIS), not a DLMS/COSEM push`;
  }
  return `M-Bus CI field 0x${hex} is not a DLMS/COSEM transport segment`;
}

export class SegmentReassembler {
  private pending: Pending | undefined;
  /**
   * A frame was lost (checksum, cut short) and reported by the framer: the segments that follow until the
   * next first segment belong to that telegram and are dropped without a second report.
   */
  private afterLoss = false;

  /**
   * The framer lost a frame: whatever telegram was being reassembled cannot be completed. It is dropped, not
   * glued to the next telegram's segments (that would decrypt to garbage and look like a wrong key).
   */
  frameLost(): void {
    this.pending = undefined;
    this.afterLoss = true;
  }

  push(frame: MbusFrame): ReassemblyEvent[] {
    const ci = frame.ciField;
    // A frame that is no DLMS segment is, on a meter's push line, almost always a segment damaged past the
    // checksum: it is the one report of its telegram, and the segments around it go quietly.
    if ((ci & DLMS_CI_RESERVED_MASK) !== 0) {
      this.frameLost();
      return [
        { kind: 'error', error: new MeterError('UNSUPPORTED', describeCi(ci), { raw: frame.raw.slice() }) },
      ];
    }
    if (frame.data.length < TRANSPORT_HEADER_LENGTH) {
      this.frameLost();
      return [
        {
          kind: 'error',
          error: new MeterError(
            'FRAME_INVALID',
            'M-Bus frame too short for the DLMS transport header (STSAP, DTSAP)',
            {
              raw: frame.raw.slice(),
            },
          ),
        },
      ];
    }
    const stsap = frame.data[0] as number;
    const dtsap = frame.data[1] as number;
    const sequence = ci & DLMS_CI_SEQUENCE_MASK;
    const events: ReassemblyEvent[] = [];

    if (sequence === 0) {
      this.afterLoss = false;
      events.push(...this.dropPending('a new telegram started before its last segment arrived'));
      this.pending = { frames: [frame], nextSequence: 1, stsap, dtsap };
    } else {
      const pending = this.pending;
      if (pending === undefined) {
        if (this.afterLoss) {
          if ((ci & DLMS_CI_FIN) !== 0) this.afterLoss = false;
          return events;
        }
        events.push(
          this.missing(`segment ${sequence} arrived without the segments before it`, frame.raw.slice()),
        );
        return events;
      }
      if (sequence !== pending.nextSequence || stsap !== pending.stsap || dtsap !== pending.dtsap) {
        this.pending = undefined;
        events.push(
          this.missing(
            `segment ${sequence} arrived where segment ${pending.nextSequence} was expected; the telegram was dropped`,
            frame.raw.slice(),
          ),
        );
        return events;
      }
      pending.frames.push(frame);
      pending.nextSequence++;
    }

    if ((ci & DLMS_CI_FIN) !== 0) {
      const done = this.pending as Pending;
      this.pending = undefined;
      events.push({ kind: 'apdu', apdu: joinSegments(done) });
    } else if (sequence === DLMS_CI_SEQUENCE_MASK) {
      // Sixteen segments without FIN: the sequence number cannot go on, so neither can this telegram.
      this.pending = undefined;
      events.push(this.missing('16 segments arrived without a last (FIN) segment', frame.raw.slice()));
    }
    return events;
  }

  /** End of stream: a telegram still waiting for segments is reported. */
  end(): ReassemblyEvent[] {
    return this.dropPending('the stream ended before its last segment');
  }

  private dropPending(reason: string): ReassemblyEvent[] {
    const pending = this.pending;
    if (pending === undefined) return [];
    this.pending = undefined;
    const raw = concatAll(pending.frames.map((f) => f.raw));
    return [this.missing(`telegram with ${pending.frames.length} segment(s) dropped: ${reason}`, raw)];
  }

  private missing(message: string, raw: Uint8Array): ReassemblyEvent {
    return { kind: 'error', error: new MeterError('SEGMENT_MISSING', message, { raw }) };
  }
}

function joinSegments(pending: Pending): ReassembledApdu {
  const frames = pending.frames;
  // A frame is already a copy of its own: a one-segment APDU needs no second one.
  const apdu =
    frames.length === 1
      ? (frames[0] as MbusFrame).data.subarray(TRANSPORT_HEADER_LENGTH)
      : pooledJoin(frames.map((f) => f.data.subarray(TRANSPORT_HEADER_LENGTH)));
  return { apdu, frames, stsap: pending.stsap, dtsap: pending.dtsap };
}
