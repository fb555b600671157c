import type { Telegram } from '../meter/meter-model.js';

/**
 * InfluxDB line protocol for one telegram: measurement `smart_meter`, the meter as tags, every numeric
 * value at full precision as a float field, and the meter's own timestamp in milliseconds (the old
 * Telegraf set-up cast energy to whole kWh and used the time of arrival).
 */

export const MEASUREMENT = 'smart_meter';

const escapeTag = (text: string): string => text.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '');
const escapeMeasurement = (text: string): string => text.replace(/[\\, ]/g, (c) => `\\${c}`);

/** The meter's clock as epoch milliseconds, or undefined when it gave no usable time with an offset. */
export function telegramEpochMs(time: string | undefined): number | undefined {
  if (time === undefined || !/[+-]\d\d:\d\d$|Z$/.test(time)) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

export function toLineProtocol(telegram: Telegram, receivedAt: number): string | undefined {
  const fields = Object.entries(telegram.values)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))
    .map(([key, value]) => `${key}=${Number.isInteger(value) ? `${value}.0` : String(value)}`);
  if (fields.length === 0) return undefined;
  const tags = [
    ...(telegram.meterId === undefined ? [] : [`meter_id=${escapeTag(telegram.meterId)}`]),
    ...(telegram.systemTitle === undefined ? [] : [`system_title=${escapeTag(telegram.systemTitle)}`]),
  ];
  const at = telegramEpochMs(telegram.time) ?? receivedAt;
  return `${escapeMeasurement(MEASUREMENT)}${tags.length === 0 ? '' : `,${tags.join(',')}`} ${fields.join(',')} ${at}`;
}
