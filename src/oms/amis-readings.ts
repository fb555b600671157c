import { toHex } from '../bytes/hex.js';
import type { LabelledReading } from '../cosem/labelled-reading.js';
import type { OmsDataRecord, OmsRecords } from './dif-vif.js';
import { decodeMbusDateTime, formatMbusDateTime } from './mbus-date.js';
import type { OmsLongHeader } from './oms-header.js';

/**
 * M-Bus records → OBIS-labelled readings in the meter's own units (Wh, varh, W, var), for the meter model
 * to turn into value keys (src/meter/labelled-readings.ts), as it does for every other protocol.
 *
 * The OBIS code comes from what the record says, not from its position: quantity (energy, reactive
 * energy, power …), direction (VIFE 0x3B/none import, 0x3C export) and tariff (DIFE) give C.D.E, as
 * IEC 62056-61 numbers them. Stored values (storage number > 0), maxima and minima, and records with
 * VIFE we do not read get no OBIS code; they are reported under their DIF/VIF bytes (`M-Bus 04 83 FF 04`
 * style, without spaces) so nothing the meter sent is hidden. Manufacturer-specific VIFE need a row in
 * MANUFACTURER_OBIS.
 */

export type OmsReading = {
  /** The header's identification number; undefined when the meter sends 00000000 (AMIS does). */
  readonly meterId: string | undefined;
  readonly manufacturer: string;
  readonly accessNumber: number;
  /** The meter's clock, local time without an offset (the wire has none). */
  readonly time: string | undefined;
  /** In record order; the first of two records with one code is the register (later ones are variants). */
  readonly readings: readonly LabelledReading[];
  /**
   * FNV-1a over the records' DIF/VIF bytes and data lengths: the same for every telegram of one meter, as
   * meter-model.ts's structureOf is for a DLMS push (the guard compares it; a damaged value keeps it).
   */
  readonly structure: number;
};

export const OMS_CLOCK_OBIS = '0-0:1.0.0.255';

/**
 * Manufacturer-specific VIFE with a published meaning. SAM (Siemens): VIFE FF 04 on an energy record is
 * register 1.128.0 (drvolcano/modbus-gateway's AMIS notes, vector 22).
 */
const MANUFACTURER_OBIS: readonly { manufacturer: string; quantity: string; vife: string; obis: string }[] = [
  { manufacturer: 'SAM', quantity: 'energy', vife: '04', obis: '1-0:1.128.0.255' },
];

const C_FIELD: Readonly<Record<string, readonly [number, number, number]>> = {
  // quantity: [C import, C export, D]
  energy: [1, 2, 8],
  'reactive-energy': [3, 4, 8],
  'apparent-energy': [9, 10, 8],
  power: [1, 2, 7],
  'reactive-power': [3, 4, 7],
  'apparent-power': [9, 10, 7],
};

function obisOf(record: OmsDataRecord, manufacturer: string): string | undefined {
  const info = record.info;
  if (record.storageNumber !== 0 || record.subunit !== 0 || record.function !== 'instantaneous') {
    return undefined;
  }
  if (info.otherVife.length > 0) return undefined;
  if (info.quantity === 'date-time') return record.data.length >= 4 ? OMS_CLOCK_OBIS : undefined;
  if (info.manufacturerVife.length > 0) {
    const vife = toHex(Uint8Array.from(info.manufacturerVife));
    return MANUFACTURER_OBIS.find(
      (row) => row.manufacturer === manufacturer && row.quantity === info.quantity && row.vife === vife,
    )?.obis;
  }
  const c = C_FIELD[info.quantity];
  if (c === undefined || record.tariff > 63) return undefined;
  const [cIn, cOut, d] = c;
  if (d === 7 && record.tariff !== 0) return undefined;
  return `1-0:${info.direction === 'backward' ? cOut : cIn}.${d}.${record.tariff}.255`;
}

/** 10^exponent, divided rather than multiplied for negative ones so that 326 × 10^−3 is 0.326 exactly. */
export function scaleBy(raw: number, exponent: number): number {
  return exponent >= 0 ? raw * 10 ** exponent : raw / 10 ** -exponent;
}

type Register = Omit<LabelledReading, 'obis'>;

function registerOf(record: OmsDataRecord): Register | undefined {
  const info = record.info;
  if (info.quantity === 'date-time' || info.quantity === 'date') {
    const time = decodeMbusDateTime(record.data);
    return time === undefined ? undefined : { value: formatMbusDateTime(time) };
  }
  const value = record.value;
  switch (value.kind) {
    case 'integer':
    case 'real': {
      const scaled = scaleBy(value.value, info.exponent);
      if (!Number.isFinite(scaled)) return undefined;
      // An integer times a power of ten is exact as such; a real is already what the meter measured.
      const exact = value.kind === 'integer' ? { mantissa: value.value, exponent: info.exponent } : {};
      return info.unit === undefined
        ? { value: scaled, ...exact }
        : { value: scaled, unit: info.unit, ...exact };
    }
    case 'text':
      return { value: value.text.trim() };
    case 'bytes':
      return { value: toHex(value.bytes) };
    default:
      return undefined;
  }
}

export function omsReading(header: OmsLongHeader, records: OmsRecords): OmsReading {
  const readings: LabelledReading[] = [];
  let time: string | undefined;
  for (const record of records.records) {
    const register = registerOf(record);
    if (register === undefined) continue;
    const obis = obisOf(record, header.manufacturer) ?? `M-Bus ${toHex(record.dibVib)}`;
    if (obis === OMS_CLOCK_OBIS && time === undefined && typeof register.value === 'string')
      time = register.value;
    readings.push({ obis, ...register });
  }
  return {
    meterId: /^0+$/.test(header.identification) ? undefined : header.identification,
    manufacturer: header.manufacturer,
    accessNumber: header.accessNumber,
    time,
    readings,
    structure: structureOf(records),
  };
}

function structureOf(records: OmsRecords): number {
  let hash = 0x811c9dc5;
  const mix = (n: number): void => {
    hash = Math.imul(hash ^ (n & 0xff), 0x01000193);
  };
  for (const record of records.records) {
    for (const byte of record.dibVib) mix(byte);
    mix(record.data.length);
  }
  return hash >>> 0;
}
