/**
 * COSEM date-time, 12 bytes (IEC 62056-6-2 §4.1.6.1):
 *
 * | bytes | field                                                           |
 * |-------|-----------------------------------------------------------------|
 * | 2     | year (0xFFFF not specified)                                     |
 * | 1     | month (1..12; 0xFD/0xFE DST end/begin; 0xFF not specified)      |
 * | 1     | day of month (1..31; 0xFD/0xFE second-last/last; 0xFF)          |
 * | 1     | day of week (1..7 Monday first; 0xFF)                           |
 * | 1 × 4 | hour, minute, second, hundredths (0xFF not specified)           |
 * | 2     | deviation, signed minutes local→UTC (0x8000 not specified)      |
 * | 1     | clock status (bit 7 DST active, bit 1 doubtful value, …)        |
 *
 * The UTC offset is −deviation: Kaifa sends FF88 (−120) in summer for +02:00.
 */

export const COSEM_DATE_TIME_LENGTH = 12;
const NOT_SPECIFIED = 0xff;
const DEVIATION_NOT_SPECIFIED = -0x8000;

export type CosemDateTime = {
  readonly year: number | undefined;
  readonly month: number | undefined;
  readonly day: number | undefined;
  readonly hour: number | undefined;
  readonly minute: number | undefined;
  readonly second: number | undefined;
  readonly hundredths: number | undefined;
  /** UTC offset in minutes (−deviation), undefined when the meter does not say. */
  readonly utcOffsetMinutes: number | undefined;
  readonly clockStatus: number;
};

function field(value: number, min: number, max: number): number | undefined | null {
  if (value === NOT_SPECIFIED) return undefined;
  return value >= min && value <= max ? value : null;
}

/** Returns undefined when the bytes cannot be a date-time (used to tell it apart from a 12-digit meter number). */
export function parseCosemDateTime(bytes: Uint8Array): CosemDateTime | undefined {
  if (bytes.length !== COSEM_DATE_TIME_LENGTH) return undefined;
  const b = (i: number): number => bytes[i] as number;
  const rawYear = (b(0) << 8) | b(1);
  const year = rawYear === 0xffff ? undefined : rawYear >= 1970 && rawYear <= 2199 ? rawYear : null;
  const monthByte = b(2);
  const month = monthByte === 0xfd || monthByte === 0xfe ? undefined : field(monthByte, 1, 12);
  const dayByte = b(3);
  const day = dayByte === 0xfd || dayByte === 0xfe ? undefined : field(dayByte, 1, 31);
  const weekday = field(b(4), 1, 7);
  const hour = field(b(5), 0, 23);
  const minute = field(b(6), 0, 59);
  const second = field(b(7), 0, 59);
  const hundredths = field(b(8), 0, 99);
  const rawDeviation = (b(9) << 8) | b(10);
  const deviation = rawDeviation >= 0x8000 ? rawDeviation - 0x10000 : rawDeviation;
  const parts = [year, month, day, weekday, hour, minute, second, hundredths];
  if (parts.includes(null)) return undefined;
  let utcOffsetMinutes: number | undefined;
  if (deviation !== DEVIATION_NOT_SPECIFIED) {
    if (deviation < -840 || deviation > 840) return undefined;
    utcOffsetMinutes = deviation === 0 ? 0 : -deviation;
  }
  return {
    year: year ?? undefined,
    month: month ?? undefined,
    day: day ?? undefined,
    hour: hour ?? undefined,
    minute: minute ?? undefined,
    second: second ?? undefined,
    hundredths: hundredths ?? undefined,
    utcOffsetMinutes,
    clockStatus: b(11),
  };
}

const two = (n: number): string => n.toString().padStart(2, '0');

/** ISO 8601 with the meter's own offset (`2023-07-26T20:05:20+02:00`); undefined when a field is missing. */
export function formatCosemDateTime(dt: CosemDateTime): string | undefined {
  const { year, month, day, hour, minute, second } = dt;
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (hour === undefined || minute === undefined || second === undefined) return undefined;
  let text = `${year.toString().padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
  if (dt.hundredths !== undefined && dt.hundredths !== 0) text += `.${two(dt.hundredths)}`;
  const offset = dt.utcOffsetMinutes;
  if (offset !== undefined) {
    const abs = Math.abs(offset);
    text += `${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  }
  return text;
}

/** '00'..'99': the two-digit fields of a timestamp, which every telegram formats again. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) => two(n));

function inRange(value: number, min: number, max: number): boolean {
  return value === NOT_SPECIFIED || (value >= min && value <= max);
}

/**
 * formatCosemDateTime(parseCosemDateTime(bytes)) in one pass, without the intermediate object: the meter
 * model formats one or two of these per telegram. Undefined where either of those would be.
 */
export function cosemDateTimeText(bytes: Uint8Array): string | undefined {
  if (bytes.length !== COSEM_DATE_TIME_LENGTH) return undefined;
  const rawYear = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const month = bytes[2] as number;
  const day = bytes[3] as number;
  const hour = bytes[5] as number;
  const minute = bytes[6] as number;
  const second = bytes[7] as number;
  const hundredths = bytes[8] as number;
  const rawDeviation = ((bytes[9] as number) << 8) | (bytes[10] as number);
  const deviation = rawDeviation >= 0x8000 ? rawDeviation - 0x10000 : rawDeviation;
  // What parseCosemDateTime rejects: a field out of its range, or a deviation beyond ±14 hours.
  if (rawYear !== 0xffff && (rawYear < 1970 || rawYear > 2199)) return undefined;
  if (month !== 0xfd && month !== 0xfe && !inRange(month, 1, 12)) return undefined;
  if (day !== 0xfd && day !== 0xfe && !inRange(day, 1, 31)) return undefined;
  if (!inRange(bytes[4] as number, 1, 7) || !inRange(hour, 0, 23)) return undefined;
  if (!inRange(minute, 0, 59) || !inRange(second, 0, 59) || !inRange(hundredths, 0, 99)) return undefined;
  const hasOffset = deviation !== DEVIATION_NOT_SPECIFIED;
  if (hasOffset && (deviation < -840 || deviation > 840)) return undefined;
  // What formatCosemDateTime cannot write: a date or time that is not specified.
  if (rawYear === 0xffff || month >= 0xfd || day >= 0xfd) return undefined;
  if (hour === NOT_SPECIFIED || minute === NOT_SPECIFIED || second === NOT_SPECIFIED) return undefined;
  let text = `${rawYear}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}`;
  if (hundredths !== NOT_SPECIFIED && hundredths !== 0) text += `.${TWO_DIGITS[hundredths]}`;
  if (hasOffset) {
    const offset = deviation === 0 ? 0 : -deviation;
    const abs = Math.abs(offset);
    text += `${offset < 0 ? '-' : '+'}${TWO_DIGITS[Math.floor(abs / 60)]}:${TWO_DIGITS[abs % 60]}`;
  }
  return text;
}
