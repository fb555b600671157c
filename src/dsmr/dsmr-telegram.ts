import { MeterError } from '../errors.js';
import { crc16Arc } from './dsmr-crc.js';

/**
 * One DSMR/P1 telegram (P1 Companion Standard 5.0.2 §6, the format IEC 62056-21 mode D borrows):
 *
 *   /XXXZ<identification> CR LF          XXX manufacturer flag, Z a digit (IEC 62056-21 §6.3.14)
 *   CR LF
 *   A-B:C.D.E(value*unit)(…) CR LF       one COSEM object per line, one or more parenthesised groups
 *   …
 *   !CCCC CR LF                          CRC-16/ARC in 4 hex digits; some meters send `!` alone
 *
 * The Sagemcom T210-D-r of Energienetze Steiermark and Stromnetz Graz sends this text as the plaintext of
 * a general-glo-ciphering APDU; plain P1 ports send it in the clear. Lines this parser does not know are
 * skipped, not rejected: the telegram is a list of independent objects and its CRC already vouches for it.
 */

/** Far above any real telegram (the T210-D-r's is 481 bytes, a DSMR 5 one with a text message ~3 KiB). */
export const DSMR_MAX_TELEGRAM_LENGTH = 8192;
export const DSMR_MAX_LINES = 256;
/** A 1024-character text message (0-0:96.13.0) is sent hex-encoded: 2048 digits plus the OBIS code. */
export const DSMR_MAX_LINE_LENGTH = 2100;
/** The power-failure log (1-0:99.97.0) has 2 + 2 × 10 groups at most. */
export const DSMR_MAX_GROUPS = 24;
/** Digits a double holds exactly: a register with more is kept as text, never rounded silently. */
const MAX_DIGITS = 15;

export const DSMR_START = 0x2f; // '/'
export const DSMR_END = 0x21; // '!'
const CR = 0x0d;
const LF = 0x0a;
const CRC_DIGITS = 4;

export type DsmrField = {
  /** The group as sent, without its parentheses. */
  readonly text: string;
  /** `mantissa × 10^exponent`, kept apart so that unit conversions stay exact (1.005 kW is 1005 W). */
  readonly mantissa?: number;
  readonly exponent?: number;
  readonly number?: number;
  readonly unit?: string;
  /** A `YYMMDDhhmmssS|W` timestamp as ISO 8601 with the Central European offset it names. */
  readonly time?: string;
};

export type DsmrObject = {
  /** As on the wire: A-B:C.D.E. */
  readonly obis: string;
  readonly fields: readonly DsmrField[];
};

export type DsmrTelegram = {
  /** The identification line without its `/`, e.g. `EST5\253740976_A`. */
  readonly identification: string;
  readonly objects: readonly DsmrObject[];
  /** The CRC as sent (and verified); undefined when the meter sends `!` alone. */
  readonly crc: number | undefined;
  /** Non-empty lines that are not a COSEM object: skipped. */
  readonly ignoredLines: number;
};

/** Whether bytes are a DSMR telegram rather than binary: what a decrypted payload starting with `/` is. */
export function looksLikeDsmr(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === DSMR_START;
}

/** Parses one complete telegram, `/` to `!` plus its CRC and line end. Throws MeterError only. */
export function parseDsmrTelegram(input: Uint8Array | string): DsmrTelegram {
  const bytes = typeof input === 'string' ? asciiBytes(input) : input;
  const fail = (code: 'TRUNCATED' | 'FRAME_INVALID' | 'CHECKSUM', message: string): never => {
    throw new MeterError(code, message, { raw: bytes });
  };
  if (bytes.length === 0) fail('TRUNCATED', 'empty DSMR telegram');
  if (bytes.length > DSMR_MAX_TELEGRAM_LENGTH) {
    fail('FRAME_INVALID', `DSMR telegram of ${bytes.length} bytes (at most ${DSMR_MAX_TELEGRAM_LENGTH})`);
  }
  if (bytes[0] !== DSMR_START) fail('FRAME_INVALID', "a DSMR telegram starts with '/'");
  const end = bytes.indexOf(DSMR_END);
  if (end < 0) fail('TRUNCATED', "DSMR telegram without its closing '!' (cut short)");

  const crc = readFooter(bytes, end, fail);
  if (crc !== undefined) {
    const computed = crc16Arc(bytes, 0, end + 1);
    if (computed !== crc) {
      fail(
        'CHECKSUM',
        `DSMR telegram CRC does not match (sent ${hex4(crc)}, computed ${hex4(computed)}; line noise)`,
      );
    }
  }
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] as number;
    if (!isText(byte) && byte !== CR && byte !== LF) {
      fail('FRAME_INVALID', `DSMR telegram with a byte that is not ASCII text (0x${hex2(byte)} at ${i})`);
    }
  }

  const lines = splitLines(bytes, end);
  if (lines.length > DSMR_MAX_LINES)
    fail('FRAME_INVALID', `DSMR telegram of more than ${DSMR_MAX_LINES} lines`);
  for (const line of lines) {
    if (line.length > DSMR_MAX_LINE_LENGTH) {
      fail('FRAME_INVALID', `DSMR line of ${line.length} characters (at most ${DSMR_MAX_LINE_LENGTH})`);
    }
  }
  const first = lines[0] ?? '';
  if (!isIdentification(first)) {
    fail('FRAME_INVALID', 'DSMR identification line is not /XXXZ… (three letters and a digit)');
  }
  if (!lines.at(-1)?.startsWith('!')) fail('FRAME_INVALID', "DSMR telegram whose '!' is not at a line start");

  const objects: { obis: string; fields: DsmrField[] }[] = [];
  let ignoredLines = 0;
  for (let n = 1; n < lines.length - 1; n++) {
    const line = lines[n] as string;
    if (line.length === 0) continue;
    const previous = objects.at(-1);
    if (line.startsWith('(') && previous !== undefined) {
      // DSMR 4's gas reading continues its object on the next line: `…(m3)` CR LF `(01234.567)`.
      const groups = readGroups(line, 0);
      if (groups !== undefined && previous.fields.length + groups.length <= DSMR_MAX_GROUPS) {
        previous.fields.push(...groups.map(parseField));
        continue;
      }
    }
    const object = parseObjectLine(line);
    if (object === undefined) ignoredLines++;
    else objects.push(object);
  }
  return { identification: first.slice(1), objects, crc, ignoredLines };
}

/** The CRC after `!` (undefined when absent); only CR and LF may follow it. */
function readFooter(
  bytes: Uint8Array,
  end: number,
  fail: (code: 'TRUNCATED' | 'FRAME_INVALID', message: string) => never,
): number | undefined {
  let digits = 0;
  let crc = 0;
  let p = end + 1;
  while (p < bytes.length && digits < CRC_DIGITS) {
    const value = hexValue(bytes[p] as number);
    if (value < 0) break;
    crc = (crc << 4) | value;
    digits++;
    p++;
  }
  if (digits > 0 && digits < CRC_DIGITS) {
    if (p === bytes.length) fail('TRUNCATED', 'DSMR telegram cut short inside its CRC');
    fail('FRAME_INVALID', `DSMR CRC of ${digits} hex digits (4 expected)`);
  }
  for (; p < bytes.length; p++) {
    const byte = bytes[p] as number;
    if (byte !== CR && byte !== LF) {
      fail('FRAME_INVALID', `DSMR telegram with bytes after its end (0x${hex2(byte)} at ${p})`);
    }
  }
  return digits === CRC_DIGITS ? crc : undefined;
}

/** Lines of `bytes[0, end]` (the `!` line included), LF or CR LF separated, as ASCII strings. */
function splitLines(bytes: Uint8Array, end: number): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= end && lines.length <= DSMR_MAX_LINES; i++) {
    if (bytes[i] === LF || i === end) {
      let stop = i === end ? end + 1 : i;
      if (stop > start && bytes[stop - 1] === CR) stop--;
      lines.push(ascii(bytes, start, stop));
      start = i + 1;
    }
  }
  return lines;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  // Bounded by DSMR_MAX_TELEGRAM_LENGTH; checked to be ASCII before.
  let text = '';
  const CHUNK = 4096;
  for (let i = start; i < end; i += CHUNK) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + CHUNK)));
  }
  return text;
}

function asciiBytes(text: string): Uint8Array {
  if (text.length > DSMR_MAX_TELEGRAM_LENGTH) {
    throw new MeterError(
      'FRAME_INVALID',
      `DSMR telegram of ${text.length} characters (at most ${DSMR_MAX_TELEGRAM_LENGTH})`,
    );
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) {
      throw new MeterError('FRAME_INVALID', `DSMR telegram with a character that is not ASCII (at ${i})`);
    }
    bytes[i] = code;
  }
  return bytes;
}

function isText(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e;
}

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `/XXXZ…`: three letters (the manufacturer's flag id) and a digit (IEC 62056-21 identification message). */
export function isIdentification(line: string): boolean {
  return (
    line.length >= 5 &&
    line.charCodeAt(0) === DSMR_START &&
    isLetter(line.charCodeAt(1)) &&
    isLetter(line.charCodeAt(2)) &&
    isLetter(line.charCodeAt(3)) &&
    isDigit(line.charCodeAt(4))
  );
}

/** `A-B:C.D.E` followed by parenthesised groups and nothing else; undefined when the line is not one. */
function parseObjectLine(line: string): { obis: string; fields: DsmrField[] } | undefined {
  let p = 0;
  const parts: number[] = [];
  const separators = ['-', ':', '.', '.', '('];
  for (const separator of separators) {
    const start = p;
    let value = 0;
    while (p < line.length && p - start < 3 && isDigit(line.charCodeAt(p))) {
      value = value * 10 + line.charCodeAt(p) - 0x30;
      p++;
    }
    if (p === start || value > 255 || line[p] !== separator) return undefined;
    parts.push(value);
    if (separator !== '(') p++;
  }
  const fields = readGroups(line, p);
  if (fields === undefined) return undefined;
  const [a, b, c, d, e] = parts as [number, number, number, number, number];
  return { obis: `${a}-${b}:${c}.${d}.${e}`, fields: fields.map(parseField) };
}

/** The texts of `(…)(…)…` from `start` to the end of the line; undefined unless the whole rest is groups. */
function readGroups(line: string, start: number): string[] | undefined {
  const groups: string[] = [];
  let p = start;
  while (p < line.length) {
    if (line[p] !== '(' || groups.length >= DSMR_MAX_GROUPS) return undefined;
    const close = line.indexOf(')', p + 1);
    if (close < 0) return undefined;
    const text = line.slice(p + 1, close);
    if (text.includes('(')) return undefined;
    groups.push(text);
    p = close + 1;
  }
  return groups.length === 0 ? undefined : groups;
}

const NUMBER = /^([+-]?)(\d+)(?:\.(\d+))?(?:\*([A-Za-z0-9/]{1,8}))?$/;
const TIMESTAMP = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([SW])$/;

function parseField(text: string): DsmrField {
  const time = parseTimestamp(text);
  if (time !== undefined) return { text, time };
  const match = NUMBER.exec(text);
  if (match === null) return { text };
  const [, sign = '', whole = '', fraction = '', unit] = match;
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return unit === undefined ? { text } : { text, unit };
  const mantissa = Number(digits) * (sign === '-' ? -1 : 1);
  const exponent = fraction.length === 0 ? 0 : -fraction.length;
  const number = exponent === 0 ? mantissa : mantissa / 10 ** -exponent;
  const field = {
    text,
    mantissa: mantissa === 0 ? 0 : mantissa,
    exponent,
    number: number === 0 ? 0 : number,
  };
  return unit === undefined ? field : { ...field, unit };
}

/**
 * `YYMMDDhhmmssX`: X is S (summer time, CEST, UTC+2) or W (winter time, CET, UTC+1) — P1 Companion
 * Standard 5.0.2 §6.4 "TST"; Austria keeps the same two offsets.
 */
export function parseTimestamp(text: string): string | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [yy, mo, dd, hh, mi, ss] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const year = 2000 + yy;
  if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59) return undefined;
  if (dd > new Date(Date.UTC(year, mo, 0)).getUTCDate()) return undefined;
  const two = (n: number): string => n.toString().padStart(2, '0');
  const offset = match[7] === 'S' ? '+02:00' : '+01:00';
  return `${year}-${two(mo)}-${two(dd)}T${two(hh)}:${two(mi)}:${two(ss)}${offset}`;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
