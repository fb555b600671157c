import type { FramerEventOf } from '../bytes/framer-event.js';
import {
  type GbtEvent,
  GbtReassembler,
  isFirstGbtBlock,
  isGeneralBlockTransfer,
} from '../dlms/general-block-transfer.js';
import type { HdlcFrame } from '../hdlc/hdlc-frame.js';
import { HdlcFramer } from '../hdlc/hdlc-framer.js';
import { HdlcReassembler, type HdlcReassemblyEvent } from '../hdlc/hdlc-reassembler.js';
import type { DecoderEvent } from './telegram-decoder.js';
import { WirePath } from './wire-path.js';

/**
 * HDLC frames (7E A? … 7E) → segments → general block transfer → APDU. A loss at one stage is told to the
 * stages above it, so that a lost telegram is reported once.
 */
export class HdlcPath extends WirePath<HdlcFrame> {
  readonly framing = 'hdlc';
  private readonly framer = new HdlcFramer();
  private readonly reassembler = new HdlcReassembler();
  private readonly gbt = new GbtReassembler();
  /** The frames of the blocks joined so far: a block-transfer telegram's 'reassembled' names all of them. */
  private blockFrames: HdlcFrame[] = [];

  get buffered(): number {
    return this.framer.buffered;
  }

  protected framerPush(chunk: Uint8Array): readonly FramerEventOf<HdlcFrame>[] {
    return this.framer.push(chunk);
  }

  protected framerEnd(): readonly FramerEventOf<HdlcFrame>[] {
    return this.framer.end();
  }

  protected frameLost(): void {
    this.reassembler.frameLost();
    this.gbtLost();
  }

  protected reassemble(frame: HdlcFrame, out: DecoderEvent[]): void {
    for (const event of this.reassembler.push(frame)) this.afterReassembler(event, out);
  }

  protected reassemblyEnd(out: DecoderEvent[]): void {
    for (const event of this.reassembler.end()) this.afterReassembler(event, out);
    this.afterGbt(this.gbt.end(), [], out);
  }

  private gbtLost(): void {
    this.gbt.frameLost();
    this.blockFrames = [];
  }

  private afterReassembler(event: HdlcReassemblyEvent, out: DecoderEvent[]): void {
    if (event.kind === 'error') {
      out.push({ kind: 'rejected', error: event.error });
      this.gbtLost();
      return;
    }
    const { apdu, frames } = event.apdu;
    if (!isGeneralBlockTransfer(apdu)) {
      this.afterGbt(this.gbt.push(apdu), frames, out);
      return;
    }
    // Block 1 starts a telegram: frames kept from an unfinished one are not its frames.
    if (isFirstGbtBlock(apdu)) this.blockFrames = [];
    this.blockFrames.push(...frames);
    this.afterGbt(this.gbt.push(apdu), this.blockFrames, out);
  }

  /** `frames`: those of the APDU the block transfer hands on, if it hands one on. */
  private afterGbt(events: readonly GbtEvent[], frames: readonly HdlcFrame[], out: DecoderEvent[]): void {
    if (events.length > 0) this.blockFrames = [];
    for (const event of events) {
      if (event.kind === 'error') out.push({ kind: 'rejected', error: event.error });
      else this.decode(event.apdu, frames, out);
    }
  }
}
