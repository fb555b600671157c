import type { DlmsKeys } from '../dlms/decrypt.js';
import type { MeterError } from '../errors.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import { type FramerEvent, MbusFramer } from '../mbus/mbus-framer.js';
import { type ReassemblyEvent, SegmentReassembler } from '../mbus/segment-reassembler.js';
import type { Telegram } from '../meter/meter-model.js';
import { decodeApdu } from './apdu-decoder.js';
import { KeyEvidence } from './key-evidence.js';

/**
 * The decoding half of the data flow, bytes → Telegrams: framer → reassembler → decrypt → A-XDR →
 * meter model. It owns no timers, files or sockets; sources push bytes in, sinks take events out.
 */

export type DecoderEvent =
  | { readonly kind: 'telegram'; readonly telegram: Telegram; readonly frames: readonly MbusFrame[] }
  | { readonly kind: 'frame'; readonly frame: MbusFrame }
  /** All segments of a telegram arrived; its decode result (telegram or rejected) follows at once. */
  | { readonly kind: 'reassembled'; readonly frames: readonly MbusFrame[] }
  | { readonly kind: 'rejected'; readonly error: MeterError }
  | { readonly kind: 'discarded'; readonly bytes: Uint8Array };

export class TelegramDecoder {
  private readonly framer = new MbusFramer();
  private readonly reassembler = new SegmentReassembler();
  private readonly evidence = new KeyEvidence();

  constructor(private readonly keys: DlmsKeys) {}

  /** Bytes that must still arrive before a push can yield anything (see MbusFramer.awaited). */
  get awaited(): number {
    return this.framer.awaited;
  }

  push(chunk: Uint8Array): DecoderEvent[] {
    return this.afterFramer(this.framer.push(chunk), []);
  }

  end(): DecoderEvent[] {
    const events = this.afterFramer(this.framer.end(), []);
    for (const event of this.reassembler.end()) this.afterReassembler(event, events);
    return events;
  }

  // Both append to `events`: one array per push, however many frames and telegrams a chunk holds.
  private afterFramer(framerEvents: readonly FramerEvent[], events: DecoderEvent[]): DecoderEvent[] {
    for (const event of framerEvents) {
      if (event.kind === 'discarded') {
        events.push(event);
      } else if (event.kind === 'error') {
        // The lost frame is the one report of its telegram; the reassembler drops the rest of it quietly.
        this.reassembler.frameLost();
        events.push({ kind: 'rejected', error: event.error });
      } else {
        events.push(event);
        for (const reassembled of this.reassembler.push(event.frame)) {
          this.afterReassembler(reassembled, events);
        }
      }
    }
    return events;
  }

  private afterReassembler(event: ReassemblyEvent, events: DecoderEvent[]): void {
    if (event.kind === 'error') {
      events.push({ kind: 'rejected', error: event.error });
      return;
    }
    const frames = event.apdu.frames;
    events.push({ kind: 'reassembled', frames });
    try {
      const telegram = decodeApdu(event.apdu.apdu, this.keys, this.evidence);
      events.push({ kind: 'telegram', telegram, frames });
    } catch (error) {
      events.push({ kind: 'rejected', error: error as MeterError });
    }
  }
}
