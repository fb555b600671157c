import type { FramerEventOf } from '../bytes/framer-event.js';
import type { BareApduFrame } from '../dlms/bare-apdu.js';
import type { HdlcFrame } from '../hdlc/hdlc-frame.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import type { DsmrFrame } from './dsmr-path.js';
import type { DecoderEvent } from './telegram-decoder.js';

/** A checked frame of any framing; consumers that only show or count frames need just `raw`. */
export type WireFrame = MbusFrame | HdlcFrame | BareApduFrame | DsmrFrame;

/** M-Bus long frames, HDLC frames, general-glo-ciphering APDUs with no frame around them, DSMR text. */
export type Framing = 'mbus' | 'hdlc' | 'apdu' | 'dsmr';

/** A reassembled APDU to its events ('reassembled', then 'telegram' or 'rejected'). */
export type DecodeApdu = (apdu: Uint8Array, frames: readonly WireFrame[], out: DecoderEvent[]) => void;

/**
 * One framing's stages from bytes to APDUs: its framer, and what it reassembles frames into. The decoder
 * runs one in use and, while the framing is in doubt, one in the shadow (see telegram-decoder.ts).
 */
export abstract class WirePath<F extends WireFrame> {
  abstract readonly framing: Framing;

  constructor(protected readonly decode: DecodeApdu) {}

  /** Bytes that must still arrive before a push can yield anything; 0 when the framer cannot tell. */
  get awaited(): number {
    return 0;
  }

  /**
   * Bytes to events in `out`; `undefined` is the end of the stream. Returns whether a checked frame was
   * among them. A shadow reports nothing unless it finds a frame, and then nothing before that frame that
   * it may have seen in earlier pushes: those bytes were the path in use's to report.
   */
  push(chunk: Uint8Array | undefined, out: DecoderEvent[], shadow = false): boolean {
    const heldBefore = this.buffered;
    const events = chunk === undefined ? this.framerEnd() : this.framerPush(chunk);
    let start = 0;
    if (shadow) {
      const first = events.findIndex((e) => e.kind === 'frame');
      if (first < 0) return false;
      if (heldBefore > 0) start = first;
    }
    // Losses before the start go unreported, but still drop what they cut off: the same telegrams come out
    // however the chunks were cut.
    for (let i = 0; i < start; i++) if (events[i]?.kind === 'error') this.frameLost();
    let framed = false;
    for (let i = start; i < events.length; i++) {
      const event = events[i] as FramerEventOf<F>;
      if (event.kind === 'discarded') {
        out.push(event);
      } else if (event.kind === 'error') {
        // The lost frame is the one report of its telegram; the stages above drop the rest of it quietly.
        this.frameLost();
        out.push({ kind: 'rejected', error: event.error });
      } else {
        framed = true;
        out.push(event);
        this.reassemble(event.frame, out);
      }
    }
    if (chunk === undefined) this.reassemblyEnd(out);
    return framed;
  }

  abstract get buffered(): number;
  protected abstract framerPush(chunk: Uint8Array): readonly FramerEventOf<F>[];
  protected abstract framerEnd(): readonly FramerEventOf<F>[];
  protected abstract frameLost(): void;
  protected abstract reassemble(frame: F, out: DecoderEvent[]): void;
  /** End of stream: telegrams still waiting for segments or blocks are reported. */
  protected abstract reassemblyEnd(out: DecoderEvent[]): void;
}
