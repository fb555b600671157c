import { GbtReassembler } from '../../src/dlms/general-block-transfer.js';
import type { MeterError } from '../../src/errors.js';
import type { HdlcFrame } from '../../src/hdlc/hdlc-frame.js';
import { HdlcFramer } from '../../src/hdlc/hdlc-framer.js';
import { HdlcReassembler } from '../../src/hdlc/hdlc-reassembler.js';

/**
 * Bytes → HDLC framer → reassembler → general block transfer, as the decoder is to wire them: a loss
 * reported by one stage is told to the stages above it, so that a lost telegram is reported once.
 */

export type HdlcPipelineResult = {
  readonly frames: HdlcFrame[];
  readonly apdus: Uint8Array[];
  readonly errors: MeterError[];
  discarded: number;
  /** The framer's buffer after each push. */
  readonly buffered: number[];
};

export function runHdlc(chunks: readonly Uint8Array[]): HdlcPipelineResult {
  const framer = new HdlcFramer();
  const reassembler = new HdlcReassembler();
  const gbt = new GbtReassembler();
  const result: HdlcPipelineResult = { frames: [], apdus: [], errors: [], discarded: 0, buffered: [] };
  const toGbt = (apdu: Uint8Array): void => {
    for (const e of gbt.push(apdu)) {
      if (e.kind === 'apdu') result.apdus.push(e.apdu);
      else result.errors.push(e.error);
    }
  };
  const toReassembler = (frame: HdlcFrame): void => {
    for (const r of reassembler.push(frame)) {
      if (r.kind === 'apdu') {
        toGbt(r.apdu.apdu);
      } else {
        result.errors.push(r.error);
        gbt.frameLost();
      }
    }
  };
  const fromFramer = (events: ReturnType<HdlcFramer['push']>): void => {
    for (const event of events) {
      if (event.kind === 'frame') {
        result.frames.push(event.frame);
        toReassembler(event.frame);
      } else if (event.kind === 'discarded') {
        result.discarded += event.bytes.length;
      } else {
        result.errors.push(event.error);
        reassembler.frameLost();
        gbt.frameLost();
      }
    }
  };
  for (const chunk of chunks) {
    fromFramer(framer.push(chunk));
    result.buffered.push(framer.buffered);
  }
  fromFramer(framer.end());
  for (const r of reassembler.end()) {
    if (r.kind === 'error') {
      result.errors.push(r.error);
      gbt.frameLost();
    }
  }
  for (const e of gbt.end()) if (e.kind === 'error') result.errors.push(e.error);
  return result;
}
