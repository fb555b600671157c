import type { FramerEventOf } from '../bytes/framer-event.js';
import { concat, copyOf } from '../bytes/join.js';
import { DLMS_GLO_CIPHERING } from '../dlms/apdu-tags.js';
import { BARE_APDU_MAX_CONTENT, type BareApduFrame, bareApduLength, insideFrame } from '../dlms/bare-apdu.js';
import { MeterError } from '../errors.js';
import type { Telegram } from '../meter/meter-model.js';
import type { DecoderEvent } from './telegram-decoder.js';
import { type DecodeApdu, WirePath } from './wire-path.js';

/** A bare APDU found and proven, with what decoding it gave (the proof and the result are one decode). */
export type ProvenApdu = BareApduFrame & { readonly outcome: Telegram | MeterError };

/** Decodes one candidate; `known`: its meter's telegrams were proven before, so its failures are its own. */
export type TryApdu = (apdu: Uint8Array, known: boolean) => Telegram | MeterError;

const EMPTY = new Uint8Array(0);
const MAX_ENDS = 8;
/** What insideFrame looks back at. */
const CONTEXT = 9;
/** The most held between pushes: one whole APDU of the largest length a candidate may announce. */
export const BARE_APDU_MAX_PENDING = 2 + 8 + 3 + BARE_APDU_MAX_CONTENT;

/**
 * General-glo-ciphering APDUs straight on the line (the T210-D-r's P1 port). No checksum proves one, so a
 * candidate (bare-apdu.ts) is proven by decoding it: its GCM tag verifies, or its plaintext parses. One
 * that does not decode is still this meter's when its system title is one this path proved before, or
 * when it follows the one before it back to back with the same title (keyless or wrong-key streams: two
 * `DB 08 <title>` exactly where a length says, by chance, do not happen); its error is then reported.
 * Anything else is garbage: the scan moves on by one byte, so an APDU inside a false candidate is found.
 */
export class ApduPath extends WirePath<ProvenApdu> {
  readonly framing = 'apdu';
  private pending: Uint8Array = EMPTY;
  /** The bytes just before `pending`, for insideFrame. */
  private context: Uint8Array = EMPTY;
  /** Stream offset of `pending`'s first byte. */
  private offset = 0;
  private provenTitle: Uint8Array | undefined;
  /** Where the latest complete candidates end (stream offsets) and their titles, for "back to back". */
  private ends: { readonly end: number; readonly title: Uint8Array }[] = [];

  constructor(
    decode: DecodeApdu,
    private readonly tryApdu: TryApdu,
  ) {
    super(decode);
  }

  get buffered(): number {
    return this.pending.length;
  }

  protected framerPush(chunk: Uint8Array): readonly FramerEventOf<ProvenApdu>[] {
    const data = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    return this.scan(data, false);
  }

  protected framerEnd(): readonly FramerEventOf<ProvenApdu>[] {
    const data = this.pending;
    this.pending = EMPTY;
    return data.length === 0 ? [] : this.scan(data, true);
  }

  protected frameLost(): void {}

  protected reassemble(frame: ProvenApdu, out: DecoderEvent[]): void {
    out.push({ kind: 'reassembled', frames: [frame] });
    const outcome = frame.outcome;
    if (outcome instanceof MeterError) out.push({ kind: 'rejected', error: outcome });
    else out.push({ kind: 'telegram', telegram: outcome, frames: [frame] });
  }

  protected reassemblyEnd(): void {}

  private scan(data: Uint8Array, final: boolean): FramerEventOf<ProvenApdu>[] {
    const events: FramerEventOf<ProvenApdu>[] = [];
    const context = this.context;
    const base = this.offset;
    let discardFrom = -1;
    const flush = (end: number): void => {
      if (discardFrom >= 0 && end > discardFrom) {
        events.push({ kind: 'discarded', bytes: copyOf(data, discardFrom, end) });
      }
      discardFrom = -1;
    };
    const discard = (at: number): void => {
      if (discardFrom < 0) discardFrom = at;
    };
    let i = 0;
    let keepFrom = data.length;
    // Bounded: every turn moves i on by at least one byte, or leaves the loop.
    while (i < data.length) {
      const length = data[i] === DLMS_GLO_CIPHERING ? bareApduLength(data, i) : 'none';
      if (length === 'more' && !final) {
        keepFrom = i;
        break;
      }
      if (typeof length !== 'number') {
        discard(i);
        const next = data.indexOf(DLMS_GLO_CIPHERING, i + 1);
        i = next < 0 ? data.length : next;
        continue;
      }
      const before = (k: number): number | undefined =>
        i - k >= 0 ? data[i - k] : context[context.length + i - k];
      if (insideFrame(before)) {
        discard(i);
        i++;
        continue;
      }
      const raw = copyOf(data, i, i + length);
      const title = raw.subarray(2, 10);
      const at = base + i;
      const known = this.provenTitle !== undefined && sameBytes(this.provenTitle, title);
      const adjacent = this.ends.some((e) => e.end === at && sameBytes(e.title, title));
      this.ends = this.ends.filter((e) => e.end > at);
      if (this.ends.length >= MAX_ENDS) this.ends.shift();
      this.ends.push({ end: at + length, title });
      const outcome = this.tryApdu(raw, known);
      if (!(outcome instanceof MeterError) || known || adjacent) {
        if (!(outcome instanceof MeterError)) this.provenTitle = title;
        flush(i);
        events.push({ kind: 'frame', frame: { raw, systemTitle: title, outcome } });
        i += length;
        continue;
      }
      // Not proven: perhaps the first of a keyless stream (the next one, back to back, will be), perhaps
      // noise. The scan goes on inside it, so that an APDU a false candidate covers is still found.
      discard(i);
      i++;
    }
    flush(Math.min(keepFrom, data.length));
    this.offset = base + keepFrom;
    this.context =
      keepFrom >= CONTEXT
        ? copyOf(data, keepFrom - CONTEXT, keepFrom)
        : concat(
            context.subarray(Math.max(0, context.length - (CONTEXT - keepFrom))),
            data.subarray(0, keepFrom),
          );
    this.pending = keepFrom < data.length ? copyOf(data, keepFrom, data.length) : EMPTY;
    return events;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
