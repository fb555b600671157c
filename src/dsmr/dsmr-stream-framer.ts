import { concat, copyOf } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import {
  DSMR_END,
  DSMR_MAX_TELEGRAM_LENGTH,
  DSMR_START,
  type DsmrTelegram,
  parseDsmrTelegram,
} from './dsmr-telegram.js';

export type DsmrFramerEvent =
  | { readonly kind: 'frame'; readonly telegram: DsmrTelegram; readonly raw: Uint8Array }
  /** Bytes that belong to no telegram: the tail of one the stream started in, line noise. */
  | { readonly kind: 'discarded'; readonly bytes: Uint8Array }
  | { readonly kind: 'error'; readonly error: MeterError };

type Candidate =
  /** `scanned`: how far the telegram is known good, to resume there (0 while still in its first line). */
  | { status: 'need-more'; scanned: number }
  /** Not the start of a telegram: a `/` in noise. */
  | { status: 'invalid' }
  | { status: 'complete'; length: number }
  /** A telegram start whose telegram is lost; `length` bytes are covered by the one report. */
  | { status: 'broken'; length: number; error: MeterError };

const CR = 0x0d;
const LF = 0x0a;
/** `/XXXZ` plus an identification of at most 16 characters (IEC 62056-21) — generously bounded. */
const MAX_IDENTIFICATION_LINE = 96;
/** `!`, four CRC digits, CR LF. */
const FOOTER_LENGTH = 7;
/** The most the framer holds back between pushes. */
export const DSMR_MAX_PENDING = DSMR_MAX_TELEGRAM_LENGTH + FOOTER_LENGTH;
const EMPTY = new Uint8Array(0);

/**
 * Finds DSMR/P1 telegrams (`/` … `!CRC` CR LF) in a byte stream fed in arbitrary chunks, as a P1 port
 * that sends them in the clear does: the contract of MbusFramer, for text.
 *
 * A telegram starts at a `/` followed by three letters and a digit on a printable line; anything else is
 * noise, discarded without a report. Once started, a telegram is lost — and reported once — when a byte
 * that is not text arrives, when the next telegram starts at a line start before its `!` (TRUNCATED), when
 * it grows past DSMR_MAX_TELEGRAM_LENGTH, or when its CRC does not match (CHECKSUM). A rejected start
 * advances by one byte only, so a good telegram inside a bad one is still found.
 */
export class DsmrStreamFramer {
  private pending: Uint8Array = EMPTY;
  /** How much of the telegram at the start of `pending` is already checked. */
  private resume = 0;
  /** Bytes of `pending` inside a telegram already reported: not reported again. */
  private reportedUntil = 0;

  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): DsmrFramerEvent[] {
    const data = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    return this.scan(data, false);
  }

  /** End of stream: a telegram still held back is reported as TRUNCATED, unless only its line end is missing. */
  end(): DsmrFramerEvent[] {
    const data = this.pending;
    this.pending = EMPTY;
    return data.length === 0 ? [] : this.scan(data, true);
  }

  private scan(data: Uint8Array, final: boolean): DsmrFramerEvent[] {
    const events: DsmrFramerEvent[] = [];
    let reportedUntil = this.reportedUntil;
    let discardStart = -1;
    const discardFrom = (start: number): void => {
      const from = Math.max(start, reportedUntil);
      if (discardStart < 0 && from < data.length) discardStart = from;
    };
    const flushDiscard = (end: number): void => {
      if (discardStart >= 0 && end > discardStart) {
        events.push({ kind: 'discarded', bytes: copyOf(data, discardStart, end) });
      }
      discardStart = -1;
    };
    const report = (at: number, length: number, error: MeterError): void => {
      if (at < reportedUntil) return;
      flushDiscard(at);
      events.push({ kind: 'error', error });
      reportedUntil = at + length;
    };

    let i = 0;
    let keepFrom = data.length;
    let resume = this.resume;
    this.resume = 0;
    while (i < data.length) {
      if (data[i] !== DSMR_START) {
        const next = data.indexOf(DSMR_START, i + 1);
        const stop = next < 0 ? data.length : next;
        if (stop > reportedUntil) discardFrom(i);
        i = stop;
        continue;
      }
      const candidate = tryTelegram(data, i, i === 0 ? resume : 0, final);
      resume = 0;
      if (candidate.status === 'need-more') {
        if (final) {
          if (candidate.scanned > 0) {
            const raw = copyOf(data, i, data.length);
            report(
              i,
              raw.length,
              new MeterError('TRUNCATED', `the stream ended inside a DSMR telegram (${raw.length} bytes)`, {
                raw,
              }),
            );
          }
          if (data.length > reportedUntil) discardFrom(i);
          i = data.length;
          break;
        }
        keepFrom = i;
        this.resume = candidate.scanned;
        break;
      }
      if (candidate.status === 'invalid') {
        if (i >= reportedUntil) discardFrom(i);
        i++;
        continue;
      }
      if (candidate.status === 'broken') {
        report(i, candidate.length, candidate.error);
        if (i >= reportedUntil) discardFrom(i);
        i++;
        continue;
      }
      const raw = copyOf(data, i, i + candidate.length);
      try {
        const telegram = parseDsmrTelegram(raw);
        flushDiscard(i);
        events.push({ kind: 'frame', telegram, raw });
        i += candidate.length;
        reportedUntil = Math.max(reportedUntil, i);
      } catch (error) {
        const meterError =
          error instanceof MeterError
            ? error
            : new MeterError('INTERNAL_ERROR', 'DSMR parser failed', { raw, cause: error });
        report(i, candidate.length, meterError);
        i++;
      }
    }
    flushDiscard(Math.min(keepFrom, data.length));
    this.pending = keepFrom < data.length ? copyOf(data, keepFrom, data.length) : EMPTY;
    this.reportedUntil = Math.max(0, reportedUntil - keepFrom);
    return events;
  }
}

function tryTelegram(data: Uint8Array, i: number, resume: number, final: boolean): Candidate {
  const n = data.length;
  let k = i + resume;
  if (resume === 0) {
    let j = i + 1;
    for (;;) {
      if (j >= n) return { status: 'need-more', scanned: 0 };
      const byte = data[j] as number;
      if (byte === CR || byte === LF) break;
      const at = j - i;
      if (at > MAX_IDENTIFICATION_LINE || !isText(byte)) return { status: 'invalid' };
      if (at <= 3 && !isLetter(byte)) return { status: 'invalid' };
      if (at === 4 && !isDigit(byte)) return { status: 'invalid' };
      j++;
    }
    if (j - i < 5) return { status: 'invalid' };
    k = j;
  }
  for (; k < n; k++) {
    if (k - i >= DSMR_MAX_TELEGRAM_LENGTH) {
      return broken(
        data,
        i,
        k,
        'FRAME_INVALID',
        `DSMR telegram longer than ${DSMR_MAX_TELEGRAM_LENGTH} bytes without its '!'`,
      );
    }
    const byte = data[k] as number;
    if (byte === DSMR_END) {
      const end = footerEnd(data, k, final);
      return end < 0 ? { status: 'need-more', scanned: k - i } : { status: 'complete', length: end - i };
    }
    if (byte === DSMR_START && data[k - 1] === LF) {
      return broken(
        data,
        i,
        k,
        'TRUNCATED',
        "DSMR telegram cut short: the next one started before its '!' (bytes lost on the line)",
      );
    }
    if (!isText(byte) && byte !== CR && byte !== LF) {
      return broken(
        data,
        i,
        k + 1,
        'FRAME_INVALID',
        `DSMR telegram with a byte that is not text (0x${byte.toString(16).padStart(2, '0')}; line noise)`,
      );
    }
  }
  return { status: 'need-more', scanned: k - i };
}

function broken(
  data: Uint8Array,
  i: number,
  end: number,
  code: 'TRUNCATED' | 'FRAME_INVALID',
  message: string,
): Candidate {
  return {
    status: 'broken',
    length: end - i,
    error: new MeterError(code, message, { raw: copyOf(data, i, end) }),
  };
}

/**
 * Where the telegram whose `!` is at `bang` ends: after its CRC digits and CR LF. −1 while bytes that would
 * decide it are still to come. A malformed footer ends at its first wrong byte, for the parser to name.
 */
function footerEnd(data: Uint8Array, bang: number, final: boolean): number {
  const n = data.length;
  let p = bang + 1;
  let digits = 0;
  while (digits < 4) {
    if (p >= n) return final ? p : -1;
    const byte = data[p] as number;
    if (!isHex(byte)) {
      if (digits === 0 && (byte === CR || byte === LF)) break;
      return p + 1;
    }
    digits++;
    p++;
  }
  if (p >= n) return final ? p : -1;
  if (data[p] === LF) return p + 1;
  if (data[p] !== CR) return p;
  if (p + 1 >= n) return final ? p + 1 : -1;
  return data[p + 1] === LF ? p + 2 : p + 1;
}

const isText = (byte: number): boolean => byte >= 0x20 && byte <= 0x7e;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
