import type { LabelledReading } from '../cosem/labelled-reading.js';
import type { DsmrField, DsmrTelegram } from './dsmr-telegram.js';

/**
 * A DSMR telegram as OBIS-labelled readings, in the meter's own units: every object under its six-group
 * code (A-B:C.D.E.255), its last group as the value. Which code is which value key, in which published
 * unit, is the meter model's to say (src/meter/labelled-readings.ts), as for every other protocol.
 */

/** Sent as the hex of their ASCII text (P1 Companion Standard 5.0.2 §6.12: equipment identifier). */
const HEX_TEXT_OBIS: ReadonlySet<string> = new Set(['0-0:96.1.0.255', '0-0:96.1.1.255', '0-0:42.0.0.255']);

export type DsmrReadings = {
  readonly identification: string;
  readonly readings: readonly LabelledReading[];
  /**
   * FNV-1a over the objects' codes and units: the same for every telegram of one meter, as a DLMS push's
   * layout fingerprint is (the guard compares it; a changed value keeps it).
   */
  readonly structure: number;
};

export function dsmrReadings(telegram: DsmrTelegram): DsmrReadings {
  const readings: LabelledReading[] = [];
  let hash = 0x811c9dc5;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ (text.charCodeAt(i) & 0xff), 0x01000193);
    hash = Math.imul(hash ^ 0x7c, 0x01000193);
  };
  for (const object of telegram.objects) {
    const code = `${object.obis}.255`;
    const field = object.fields.at(-1);
    if (field === undefined || field.text.length === 0) continue;
    mix(code);
    mix(field.unit ?? '');
    readings.push(
      HEX_TEXT_OBIS.has(code)
        ? { obis: code, value: decodeHexText(field.text.trim()) }
        : reading(code, field),
    );
  }
  return { identification: telegram.identification, readings, structure: hash >>> 0 };
}

function reading(obis: string, field: DsmrField): LabelledReading {
  if (field.time !== undefined) return { obis, value: field.time };
  if (field.number === undefined || field.mantissa === undefined || field.exponent === undefined) {
    return { obis, value: field.text };
  }
  const exact = { obis, value: field.number, mantissa: field.mantissa, exponent: field.exponent };
  return field.unit === undefined ? exact : { ...exact, unit: field.unit };
}

/**
 * DSMR sends the equipment identifier as the hex of its ASCII text (`4530303433…` for `E0043…`); some
 * meters send the text itself. Decoded only when every byte is printable, so a numeric id stays as is.
 */
export function decodeHexText(value: string): string {
  if (value.length < 8 || value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i += 2) {
    const code = Number.parseInt(value.slice(i, i + 2), 16);
    if (code < 0x20 || code > 0x7e) return value;
    out += String.fromCharCode(code);
  }
  return out.trim();
}
