import type { FramerEventOf } from '../bytes/framer-event.js';
import { DsmrStreamFramer } from '../dsmr/dsmr-stream-framer.js';
import type { DsmrTelegram } from '../dsmr/dsmr-telegram.js';
import type { MeterError } from '../errors.js';
import { telegramFromDsmr } from './dsmr-decoder.js';
import type { DecoderEvent } from './telegram-decoder.js';
import { type DecodeApdu, WirePath } from './wire-path.js';

/** A DSMR telegram as the framer found it: its text, CRC-16 checked when sent, already parsed. */
export type DsmrFrame = { readonly raw: Uint8Array; readonly telegram: DsmrTelegram };

/**
 * DSMR/P1 text in the clear (`/XXXZ…` to `!CRC`), as a P1 port without encryption sends it. A telegram is
 * whole in itself: nothing to reassemble, nothing to decrypt.
 */
export class DsmrPath extends WirePath<DsmrFrame> {
  readonly framing = 'dsmr';
  private readonly framer = new DsmrStreamFramer();

  // The DLMS callback is never called: there is no APDU in a DSMR stream.
  constructor(decode: DecodeApdu) {
    super(decode);
  }

  get buffered(): number {
    return this.framer.buffered;
  }

  protected framerPush(chunk: Uint8Array): readonly FramerEventOf<DsmrFrame>[] {
    return this.framer.push(chunk).map(asFramerEvent);
  }

  protected framerEnd(): readonly FramerEventOf<DsmrFrame>[] {
    return this.framer.end().map(asFramerEvent);
  }

  protected frameLost(): void {}

  protected reassemble(frame: DsmrFrame, out: DecoderEvent[]): void {
    out.push({ kind: 'reassembled', frames: [frame] });
    try {
      const telegram = telegramFromDsmr(frame.telegram, { systemTitle: undefined, frameCounter: undefined });
      out.push({ kind: 'telegram', telegram, frames: [frame] });
    } catch (error) {
      out.push({ kind: 'rejected', error: error as MeterError });
    }
  }

  protected reassemblyEnd(): void {}
}

function asFramerEvent(event: ReturnType<DsmrStreamFramer['push']>[number]): FramerEventOf<DsmrFrame> {
  return event.kind === 'frame'
    ? { kind: 'frame', frame: { raw: event.raw, telegram: event.telegram } }
    : event;
}
