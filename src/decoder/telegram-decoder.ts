import type { DlmsKeys } from '../dlms/decrypt.js';
import type { MeterError } from '../errors.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import type { Telegram } from '../meter/meter-model.js';
import { decodeApdu } from './apdu-decoder.js';
import { ApduPath } from './apdu-path.js';
import { DsmrPath } from './dsmr-path.js';
import { HdlcPath } from './hdlc-path.js';
import { KeyEvidence } from './key-evidence.js';
import { MbusPath } from './mbus-path.js';
import { decodeOmsTelegram } from './oms-decoder.js';
import type { Framing, WireFrame, WirePath } from './wire-path.js';

export type { Framing, WireFrame } from './wire-path.js';

/**
 * The decoding half of the data flow, bytes → Telegrams: framer → reassembler → decrypt → A-XDR →
 * meter model. It owns no timers, files or sockets; sources push bytes in, sinks take events out.
 *
 * The framing, M-Bus, HDLC, bare APDUs or DSMR text in the clear, is found from the bytes. Until a framer
 * yields a frame whose checks all pass, the M-Bus path is in use and reports what it discards, exactly as
 * before the others were known; the other paths read the same bytes in the shadow and report nothing. The
 * first checked frame decides, and the other paths are dropped: a meter does not change its framing, and
 * scanning every byte four times would cost throughput. A decision is not final, though: a chance frame in line noise, or
 * a read head moved to another interface, would otherwise silence the decoder for good. So after
 * SHADOW_AFTER bytes without a frame from the path in use, fresh paths of the other framings read along
 * again, and one takes over if it finds a frame first.
 */

export type DecoderEvent =
  | { readonly kind: 'telegram'; readonly telegram: Telegram; readonly frames: readonly WireFrame[] }
  | { readonly kind: 'frame'; readonly frame: WireFrame }
  /** All segments of a telegram arrived; its decode result (telegram or rejected) follows at once. */
  | { readonly kind: 'reassembled'; readonly frames: readonly WireFrame[] }
  | { readonly kind: 'rejected'; readonly error: MeterError }
  | { readonly kind: 'discarded'; readonly bytes: Uint8Array };

/**
 * Some ten pushes of either framing (230-byte M-Bus telegrams every 5 s at 2400 baud, HDLC pushes of
 * 120–400 bytes every 1–10 s): a stream of the framing in use does not go this long without a good frame
 * unless the line is broken, and then reading along costs nothing.
 */
export const SHADOW_AFTER = 4096;

type AnyPath = WirePath<WireFrame>;

export type DecoderOptions = { readonly framing?: Framing | undefined };

const FRAMINGS: readonly Framing[] = ['mbus', 'hdlc', 'apdu', 'dsmr'];

export class TelegramDecoder {
  private inUse: AnyPath;
  /** The other framings, read along while the framing is in doubt, in the order they get a say. */
  private shadows: AnyPath[];
  private bytesSinceFrame = 0;
  private readonly evidence = new KeyEvidence();

  /**
   * `options.framing` is the one expected (the grid operator's preset): its path reports what it discards
   * from the start, and the others read along in the shadow as ever, so a wrong preset costs nothing but
   * the first report. Without it, M-Bus: what every Kaifa and Sagemcom customer interface sends.
   */
  constructor(
    private readonly keys: DlmsKeys,
    options: DecoderOptions = {},
  ) {
    const expected = options.framing ?? 'mbus';
    this.inUse = this.newPath(expected);
    this.shadows = FRAMINGS.filter((f) => f !== expected).map((f) => this.newPath(f));
  }

  /** The framing in use: `undefined` while no frame has decided it. */
  get framing(): Framing | undefined {
    return this.shadows.length === 0 ? this.inUse.framing : undefined;
  }

  /**
   * Bytes that must still arrive before a push can yield anything (see MbusFramer.awaited); 0 while the
   * framing is in doubt, when another framer might find a frame sooner.
   */
  get awaited(): number {
    return this.shadows.length === 0 ? this.inUse.awaited : 0;
  }

  push(chunk: Uint8Array): DecoderEvent[] {
    return this.feed(chunk);
  }

  end(): DecoderEvent[] {
    return this.feed(undefined);
  }

  // One array per push, however many frames and telegrams a chunk holds.
  private feed(chunk: Uint8Array | undefined): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    for (const shadow of this.shadows) {
      if (shadow.push(chunk, events, true)) {
        // The bytes went to the shadow only: the path it replaces ends quietly, as what it held was never a frame.
        this.inUse = shadow;
        this.shadows = [];
        this.bytesSinceFrame = 0;
        return events;
      }
    }
    const framed = this.inUse.push(chunk, events);
    if (framed) {
      this.shadows = [];
      this.bytesSinceFrame = 0;
    } else if (chunk !== undefined) {
      this.bytesSinceFrame += chunk.length;
      if (this.shadows.length === 0 && this.bytesSinceFrame >= SHADOW_AFTER) {
        this.shadows = FRAMINGS.filter((f) => f !== this.inUse.framing).map((f) => this.newPath(f));
      }
    }
    return events;
  }

  private newPath(framing: Framing): AnyPath {
    const decode = (apdu: Uint8Array, frames: readonly WireFrame[], out: DecoderEvent[]): void => {
      out.push({ kind: 'reassembled', frames });
      try {
        const telegram = decodeApdu(apdu, this.keys, this.evidence);
        out.push({ kind: 'telegram', telegram, frames });
      } catch (error) {
        out.push({ kind: 'rejected', error: error as MeterError });
      }
    };
    const decodeOms = (frame: MbusFrame, out: DecoderEvent[]): void => {
      out.push({ kind: 'reassembled', frames: [frame] });
      try {
        const telegram = decodeOmsTelegram(frame, this.keys.encryptionKey, this.evidence);
        out.push({ kind: 'telegram', telegram, frames: [frame] });
      } catch (error) {
        out.push({ kind: 'rejected', error: error as MeterError });
      }
    };
    if (framing === 'mbus') return new MbusPath(decode, decodeOms) as AnyPath;
    if (framing === 'hdlc') return new HdlcPath(decode) as AnyPath;
    if (framing === 'dsmr') return new DsmrPath(decode) as AnyPath;
    const tryApdu = (apdu: Uint8Array, known: boolean): Telegram | MeterError => {
      try {
        // Only a meter this path proved may tell KeyEvidence about its failures: a candidate may be noise.
        return decodeApdu(apdu, this.keys, known ? this.evidence : undefined);
      } catch (error) {
        return error as MeterError;
      }
    };
    return new ApduPath(decode, tryApdu) as AnyPath;
  }
}
