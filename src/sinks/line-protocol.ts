import type { Telegram } from '../meter/meter-model.js';
import { TOTALS } from '../meter/plausibility.js';

/**
 * InfluxDB line protocol for one telegram: measurement `smart_meter`, the meter as tags, every numeric
 * value at full precision as a float field, and the meter's own timestamp in milliseconds (the old
 * Telegraf set-up cast energy to whole kWh and used the time of arrival).
 */

export const MEASUREMENT = 'smart_meter';

const TOTAL_KEYS: ReadonlySet<string> = new Set(TOTALS);

const escapeTag = (text: string): string => text.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '');
const escapeMeasurement = (text: string): string => text.replace(/[\\, ]/g, (c) => `\\${c}`);

/** The meter's clock as epoch milliseconds, or undefined when it gave no usable time with an offset. */
export function telegramEpochMs(time: string | undefined): number | undefined {
  if (time === undefined || !/[+-]\d\d:\d\d$|Z$/.test(time)) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * One line per point in time: the telegram's own values at its time, and the energy totals at the time of
 * the telegram they came from (the guard publishes a total once the next telegram confirms it). Points of
 * one series at one timestamp merge, so the totals join the point written for that telegram before.
 */
export function toLineProtocol(telegram: Telegram, receivedAt: number): string[] {
  const tags = [
    ...(telegram.meterId === undefined ? [] : [`meter_id=${escapeTag(telegram.meterId)}`]),
    ...(telegram.systemTitle === undefined ? [] : [`system_title=${escapeTag(telegram.systemTitle)}`]),
  ];
  const series = `${escapeMeasurement(MEASUREMENT)}${tags.length === 0 ? '' : `,${tags.join(',')}`}`;
  const at = telegramEpochMs(telegram.time) ?? receivedAt;
  const totalsAt = telegramEpochMs(telegram.totalsTime) ?? at;
  const now: string[] = [];
  const totals: string[] = [];
  for (const [key, value] of Object.entries(telegram.values)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const field = `${key}=${Number.isInteger(value) ? `${value}.0` : String(value)}`;
    (TOTAL_KEYS.has(key) ? totals : now).push(field);
  }
  const lines: string[] = [];
  if (totals.length > 0 && totalsAt !== at) lines.push(`${series} ${totals.join(',')} ${totalsAt}`);
  else now.push(...totals);
  if (now.length > 0) lines.push(`${series} ${now.join(',')} ${at}`);
  return lines;
}
