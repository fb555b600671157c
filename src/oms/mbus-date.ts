/**
 * EN 13757-3 Annex A date and time codings, bits counted from the first byte's LSB:
 *
 * - Type G (2 bytes, date): day bits 0–4, year bits 5–7 and 12–15 (low three, then high four), month bits 8–11.
 * - Type F (4 bytes): minute 0–5, bit 7 time invalid; hour 8–12; then type G's date in bytes 2–3.
 * - Type I (6 bytes): second 0–5; minute 8–13; hour 16–20, day of week 21–23 (1 = Monday); then type G's
 *   date in bytes 3–4; week of the year in byte 5, bits 0–5.
 *
 * Year is 0–99 since 2000 (a century field exists in type F but no meter here sets it). The meter's clock is
 * local time with no offset on the wire; the result says none (`2023-05-11T21:28:14`). Invalid fields give
 * undefined: a meter time that is not a time is no time.
 */

export type MbusDateTime = {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
};

const TIME_INVALID = 0x80;

function date(low: number, high: number): { year: number; month: number; day: number } | undefined {
  const day = low & 0x1f;
  const month = high & 0x0f;
  const year = 2000 + (((low >> 5) & 0x07) | ((high >> 1) & 0x78));
  if (day < 1 || day > 31 || month < 1 || month > 12) return undefined;
  return { year, month, day };
}

export function decodeMbusDateTime(data: Uint8Array): MbusDateTime | undefined {
  const b = (i: number): number => data[i] as number;
  if (data.length === 2) {
    const d = date(b(0), b(1));
    return d && { ...d, hour: 0, minute: 0, second: 0 };
  }
  let second = 0;
  let at = 0;
  if (data.length === 6) {
    second = b(0) & 0x3f;
    at = 1;
  } else if (data.length !== 4) {
    return undefined;
  } else if ((b(0) & TIME_INVALID) !== 0) {
    return undefined;
  }
  const minute = b(at) & 0x3f;
  const hour = b(at + 1) & 0x1f;
  const d = date(b(at + 2), b(at + 3));
  if (d === undefined || second > 59 || minute > 59 || hour > 23) return undefined;
  return { ...d, hour, minute, second };
}

const two = (n: number): string => n.toString().padStart(2, '0');

export function formatMbusDateTime(t: MbusDateTime): string {
  return `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}`;
}

/** Type I, as a meter writes it: day of week and ISO week computed from the date. */
export function encodeMbusDateTimeTypeI(t: MbusDateTime): Uint8Array {
  const y = t.year - 2000;
  const utc = Date.UTC(t.year, t.month - 1, t.day);
  const weekday = ((new Date(utc).getUTCDay() + 6) % 7) + 1;
  return Uint8Array.of(
    t.second & 0x3f,
    t.minute & 0x3f,
    (t.hour & 0x1f) | (weekday << 5),
    (t.day & 0x1f) | ((y & 0x07) << 5),
    (t.month & 0x0f) | ((y & 0x78) << 1),
    isoWeek(utc) & 0x3f,
  );
}

function isoWeek(utc: number): number {
  const day = new Date(utc);
  const weekday = (day.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the year the week belongs to.
  const thursday = utc + (3 - weekday) * 86_400_000;
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return 1 + Math.floor((thursday - yearStart) / (7 * 86_400_000));
}
