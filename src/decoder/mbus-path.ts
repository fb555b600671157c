import type { FramerEventOf } from '../bytes/framer-event.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import { MbusFramer } from '../mbus/mbus-framer.js';
import { type ReassemblyEvent, SegmentReassembler } from '../mbus/segment-reassembler.js';
import { isOmsFrame } from '../oms/oms-telegram.js';
import type { DecoderEvent } from './telegram-decoder.js';
import { type DecodeApdu, WirePath } from './wire-path.js';

/** One whole OMS telegram to its events ('reassembled', then 'telegram' or 'rejected'). */
export type DecodeOms = (frame: MbusFrame, out: DecoderEvent[]) => void;

/**
 * M-Bus long frames (68 L L 68 … 16) → DLMS transport segments → APDU. A frame with CI 0x5B is an OMS
 * telegram (the Siemens AMIS) whole in itself: it goes to its own decoder, past the segment reassembler,
 * whose CI is a DLMS segment number.
 */
export class MbusPath extends WirePath<MbusFrame> {
  readonly framing = 'mbus';
  private readonly framer = new MbusFramer();
  private readonly reassembler = new SegmentReassembler();

  constructor(
    decode: DecodeApdu,
    private readonly decodeOms: DecodeOms,
  ) {
    super(decode);
  }

  get buffered(): number {
    return this.framer.buffered;
  }

  override get awaited(): number {
    return this.framer.awaited;
  }

  protected framerPush(chunk: Uint8Array): readonly FramerEventOf<MbusFrame>[] {
    return this.framer.push(chunk);
  }

  protected framerEnd(): readonly FramerEventOf<MbusFrame>[] {
    return this.framer.end();
  }

  protected frameLost(): void {
    this.reassembler.frameLost();
  }

  protected reassemble(frame: MbusFrame, out: DecoderEvent[]): void {
    if (isOmsFrame(frame)) {
      this.decodeOms(frame, out);
      return;
    }
    for (const event of this.reassembler.push(frame)) this.afterReassembler(event, out);
  }

  protected reassemblyEnd(out: DecoderEvent[]): void {
    for (const event of this.reassembler.end()) this.afterReassembler(event, out);
  }

  private afterReassembler(event: ReassemblyEvent, out: DecoderEvent[]): void {
    if (event.kind === 'error') out.push({ kind: 'rejected', error: event.error });
    else this.decode(event.apdu.apdu, event.apdu.frames, out);
  }
}
