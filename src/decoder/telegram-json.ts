import { toHex } from '../bytes/hex.js';
import type { MeterError } from '../errors.js';
import type { Telegram } from '../meter/meter-model.js';

/** The public JSON shape of a telegram (README, `decode`, and `home/smart_meter/json`). */
export type TelegramJson = {
  meter_id?: string;
  system_title?: string;
  frame_counter?: number;
  time?: string;
  totals_time?: string;
  values: Telegram['values'];
  obis: Telegram['obis'];
};

export function telegramToJson(telegram: Telegram): TelegramJson {
  // Built field by field so that the key order is the documented one and absent fields are absent.
  const json: Partial<TelegramJson> = {};
  if (telegram.meterId !== undefined) json.meter_id = telegram.meterId;
  if (telegram.systemTitle !== undefined) json.system_title = telegram.systemTitle;
  if (telegram.frameCounter !== undefined) json.frame_counter = telegram.frameCounter;
  if (telegram.time !== undefined) json.time = telegram.time;
  if (telegram.totalsTime !== undefined) json.totals_time = telegram.totalsTime;
  json.values = telegram.values;
  json.obis = telegram.obis;
  return json as TelegramJson;
}

export type RejectionJson = { code: string; message: string; raw?: string };

export function rejectionToJson(error: MeterError): RejectionJson {
  const json: RejectionJson = { code: error.code, message: error.message };
  if (error.raw !== undefined && error.raw.length > 0) json.raw = toHex(error.raw);
  return json;
}
