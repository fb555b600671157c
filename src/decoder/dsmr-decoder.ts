import { dsmrReadings } from '../dsmr/dsmr-readings.js';
import { DSMR_START, type DsmrTelegram, parseDsmrTelegram } from '../dsmr/dsmr-telegram.js';
import { buildTelegramFromReadings } from '../meter/labelled-readings.js';
import type { Telegram } from '../meter/meter-model.js';

type DsmrContext = { readonly systemTitle: string | undefined; readonly frameCounter: number | undefined };

/**
 * A DSMR/P1 telegram (`/…` to `!CRC`, CRC-16 checked when sent) to a Telegram: src/dsmr reads it into
 * OBIS-labelled readings, the meter model names them. The text comes as the plaintext of a
 * general-glo-ciphering APDU (the Sagemcom T210-D-r of Energienetze Steiermark and Stromnetz Graz) or in
 * the clear on a P1 port. Throws only MeterError.
 */
export function decodeDsmrText(text: Uint8Array, context: DsmrContext): Telegram {
  return telegramFromDsmr(parseDsmrTelegram(text), context);
}

/** The same, for a telegram the stream framer parsed already. */
export function telegramFromDsmr(telegram: DsmrTelegram, context: DsmrContext): Telegram {
  const readings = dsmrReadings(telegram);
  return buildTelegramFromReadings({ ...context, structure: readings.structure }, readings.readings);
}

const isLetter = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));

/**
 * Whether a plaintext starts as a DSMR telegram does: `/`, three letters and a digit (IEC 62056-21's
 * identification). A wrong key makes that about once in 800,000 telegrams; so a plaintext that starts
 * so and then does not parse was damaged, and the key is right.
 */
export function startsLikeDsmr(bytes: Uint8Array): boolean {
  const digit = bytes[4];
  return (
    bytes[0] === DSMR_START &&
    isLetter(bytes[1]) &&
    isLetter(bytes[2]) &&
    isLetter(bytes[3]) &&
    digit !== undefined &&
    digit >= 0x30 &&
    digit <= 0x39
  );
}
