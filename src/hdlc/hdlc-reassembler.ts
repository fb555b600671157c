import { pooledJoin } from '../bytes/byte-pool.js';
import { concatAll } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import { HDLC_LLC_LENGTH, type HdlcFrame, hasLlcHeader, hdlcSendSequence } from './hdlc-frame.js';

/**
 * IEC 62056-46 segmentation: an information field longer than one frame is sent in frames whose
 * segmentation bit is set on all but the last. The first segment's information starts with the LLC
 * header (E6 E7 00, or E6 E6 00), which is stripped; the rest is the APDU.
 *
 * Without LLC, an information field that starts with a general-block-transfer tag (0xE0) also begins a
 * message, and so does an unsegmented frame: the Landis+Gyr E450 sends its blocks in frames of their own
 * and puts the LLC before the first block only.
 *
 * Push meters send UI frames, which carry no sequence number: a lost middle segment cannot be seen here
 * (the APDU's own length catches it), but a lost first segment (a continuation arrives alone) and a lost
 * last segment (a new LLC arrives mid-telegram) can, and so can a gap in the N(S) of I frames. Either
 * drops the telegram with SEGMENT_MISSING, once.
 */

/** Far beyond any push seen (the E450's three frames hold about 380 bytes); keeps a stuck stream bounded. */
export const HDLC_MAX_APDU_LENGTH = 16384;
/** The tag of a general-block-transfer APDU, whose blocks number themselves (see dlms/general-block-transfer). */
const GENERAL_BLOCK_TRANSFER_TAG = 0xe0;

export type HdlcApdu = {
  readonly apdu: Uint8Array;
  readonly frames: readonly HdlcFrame[];
  /** Whether the first segment started with the LLC header (it was stripped). */
  readonly llc: boolean;
};

export type HdlcReassemblyEvent =
  | { readonly kind: 'apdu'; readonly apdu: HdlcApdu }
  | { readonly kind: 'error'; readonly error: MeterError };

type Pending = { frames: HdlcFrame[]; length: number; llc: boolean };

export class HdlcReassembler {
  private pending: Pending | undefined;
  /**
   * A frame was lost (reported by the framer or here): the continuation segments that follow, up to the
   * next message start or the segment that ends the lost telegram, go without a second report.
   */
  private afterLoss = false;

  /** The framer lost a frame: the telegram being reassembled cannot be completed, and is dropped. */
  frameLost(): void {
    this.pending = undefined;
    this.afterLoss = true;
  }

  push(frame: HdlcFrame): HdlcReassemblyEvent[] {
    const information = frame.information;
    // Keep-alives and the like: nothing to reassemble.
    if (information.length === 0) return [];
    const llc = hasLlcHeader(information);
    const events: HdlcReassemblyEvent[] = [];

    if (llc) {
      this.afterLoss = false;
      if (this.pending !== undefined) {
        events.push(
          ...this.dropPending('a new telegram (LLC header) started before its last segment arrived'),
        );
      }
      this.pending = { frames: [], length: 0, llc: true };
    } else if (this.pending === undefined) {
      // A block of a general block transfer starts a message of its own, without LLC.
      if (information[0] !== GENERAL_BLOCK_TRANSFER_TAG) {
        if (this.afterLoss) {
          if (!frame.segmented) this.afterLoss = false;
          return events;
        }
        if (frame.segmented) {
          this.afterLoss = true;
          events.push(
            this.missing('a continuation segment arrived without the first segment (LLC header)', frame),
          );
          return events;
        }
      }
      this.afterLoss = false;
      this.pending = { frames: [], length: 0, llc: false };
    } else if (!followsInSequence(this.pending.frames, frame)) {
      this.pending = undefined;
      this.afterLoss = frame.segmented;
      events.push(this.missing('a segment is missing (N(S) or addresses do not follow on)', frame));
      return events;
    }

    const pending = this.pending;
    const payload =
      pending.frames.length === 0 && llc ? information.length - HDLC_LLC_LENGTH : information.length;
    if (pending.length + payload > HDLC_MAX_APDU_LENGTH) {
      this.pending = undefined;
      this.afterLoss = frame.segmented;
      events.push(
        this.missing(`segments add up to more than ${HDLC_MAX_APDU_LENGTH} bytes without an end`, frame),
      );
      return events;
    }
    pending.frames.push(frame);
    pending.length += payload;
    if (!frame.segmented) {
      this.pending = undefined;
      events.push({ kind: 'apdu', apdu: join(pending) });
    }
    return events;
  }

  /** End of stream: a telegram still waiting for segments is reported. */
  end(): HdlcReassemblyEvent[] {
    return this.dropPending('the stream ended before its last segment');
  }

  private dropPending(reason: string): HdlcReassemblyEvent[] {
    const pending = this.pending;
    if (pending === undefined) return [];
    this.pending = undefined;
    const raw = concatAll(pending.frames.map((f) => f.raw));
    return [
      {
        kind: 'error',
        error: new MeterError(
          'SEGMENT_MISSING',
          `HDLC telegram with ${pending.frames.length} segment(s) dropped: ${reason}`,
          { raw },
        ),
      },
    ];
  }

  private missing(message: string, frame: HdlcFrame): HdlcReassemblyEvent {
    return {
      kind: 'error',
      error: new MeterError('SEGMENT_MISSING', `HDLC: ${message}; the telegram was dropped`, {
        raw: frame.raw,
      }),
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same addresses as the segment before, and for I frames the next send sequence number. */
function followsInSequence(frames: readonly HdlcFrame[], frame: HdlcFrame): boolean {
  const last = frames[frames.length - 1];
  if (last === undefined) return true;
  if (!sameBytes(last.destination, frame.destination) || !sameBytes(last.source, frame.source)) return false;
  const before = hdlcSendSequence(last.control);
  const now = hdlcSendSequence(frame.control);
  return before === undefined || now === undefined || now === ((before + 1) & 0x07);
}

function join(pending: Pending): HdlcApdu {
  const first = pending.frames[0] as HdlcFrame;
  // A frame is already a copy of its own (the framer's): a one-frame APDU needs no second one.
  if (pending.frames.length === 1) {
    const apdu = pending.llc ? first.information.subarray(HDLC_LLC_LENGTH) : first.information;
    return { apdu, frames: pending.frames, llc: pending.llc };
  }
  const parts = pending.frames.map((f, index) =>
    index === 0 && pending.llc ? f.information.subarray(HDLC_LLC_LENGTH) : f.information,
  );
  return { apdu: pooledJoin(parts), frames: pending.frames, llc: pending.llc };
}
