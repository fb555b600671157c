import { parseObis } from '../cosem/obis.js';
import { AXDR, type DlmsValue } from '../dlms/axdr.js';

/**
 * The push lists Austrian meters send (the KSM-West and EVN customer-interface layouts; real captures in test/fixtures/vectors.json), built from integer register values so
 * that the simulator and round-trip tests produce exactly what a meter would.
 */

export type PushLayout = 'ksm-west' | 'ksm-west-1phase' | 'evn' | 't210d';
export const PUSH_LAYOUTS: readonly PushLayout[] = ['ksm-west', 'ksm-west-1phase', 'evn', 't210d'];

/** Register values in the meter's raw units: Wh, varh, W, 0.1 V, 0.01 A, 0.001 (power factor). */
export type MeterRegisters = {
  readonly energyInWh: number;
  readonly energyOutWh: number;
  readonly reactiveEnergyInVarh: number;
  readonly reactiveEnergyOutVarh: number;
  readonly powerInW: number;
  readonly powerOutW: number;
  readonly voltageDecivolts: readonly [number, number, number];
  readonly currentCentiamps: readonly [number, number, number];
  readonly powerFactorMilli: number;
};

export type LocalTime = {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** UTC offset in minutes: 120 in Austrian summer time, 60 in winter. */
  readonly utcOffsetMinutes: number;
};

/**
 * What MeterRegisters lack and the meters with tariff registers send (the E450's block transfer, the
 * T210-D-r's DSMR text): tariff-2 shares of the totals and reactive power. Absent, tariff 1 holds the whole
 * total.
 */
export type TariffExtras = {
  readonly energyInT2Wh?: number;
  readonly energyOutT2Wh?: number;
  readonly reactiveEnergyInT2Varh?: number;
  readonly reactiveEnergyOutT2Varh?: number;
  readonly reactivePowerInVar?: number;
  readonly reactivePowerOutVar?: number;
};

export type PushInput = {
  readonly time: LocalTime;
  /** 0-0:96.1.0 (KSM-West, 14 characters) or EVN's trailing 12-digit number. */
  readonly meterNumber: string;
  /** 0-0:42.0.0, KSM-West only. */
  readonly deviceName: string;
  readonly registers: MeterRegisters;
};

export function encodeCosemDateTime(time: LocalTime): Uint8Array {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(time.year, 0);
  out[2] = time.month;
  out[3] = time.day;
  // Day of week, Monday = 1.
  const weekday = new Date(Date.UTC(time.year, time.month - 1, time.day)).getUTCDay();
  out[4] = weekday === 0 ? 7 : weekday;
  out[5] = time.hour;
  out[6] = time.minute;
  out[7] = time.second;
  out[8] = 0;
  out.writeInt16BE(-time.utcOffsetMinutes, 9);
  out[11] = time.utcOffsetMinutes === 120 ? 0x80 : 0x00;
  return out;
}

const octets = (bytes: Uint8Array): DlmsValue => ({ type: 'octet-string', bytes });
const ascii = (text: string): DlmsValue => octets(Buffer.from(text, 'latin1'));
const obis = (text: string): DlmsValue => octets(parseObis(text) as Uint8Array);
const u16 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.longUnsigned, value });
const i16 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.long, value });
const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });
const scalerUnit = (scaler: number, unit: number): DlmsValue => ({
  type: 'structure',
  items: [
    { type: 'integer', tag: AXDR.integer, value: scaler },
    { type: 'enum', value: unit },
  ],
});
const structure = (items: DlmsValue[]): DlmsValue => ({ type: 'structure', items });

const UNIT_W = 27;
const UNIT_WH = 30;
const UNIT_VARH = 32;
const UNIT_A = 33;
const UNIT_V = 35;
const UNIT_NONE = 255;

type Row = { obis: string; value: DlmsValue; scaler: number; unit: number };

type Rows = {
  voltage: Row[];
  current: Row[];
  power: Row[];
  energy: Row[];
  reactive: Row[];
  powerFactor: Row[];
};

function rows(input: PushInput, phases: 1 | 3, powerFactorSigned: boolean): Rows {
  const r = input.registers;
  const lines = phases === 3 ? [0, 1, 2] : [0];
  const voltageObis = ['1-0:32.7.0.255', '1-0:52.7.0.255', '1-0:72.7.0.255'];
  const currentObis = ['1-0:31.7.0.255', '1-0:51.7.0.255', '1-0:71.7.0.255'];
  return {
    voltage: lines.map((l) => ({
      obis: voltageObis[l] as string,
      value: u16(r.voltageDecivolts[l] as number),
      scaler: -1,
      unit: UNIT_V,
    })),
    current: lines.map((l) => ({
      obis: currentObis[l] as string,
      value: u16(r.currentCentiamps[l] as number),
      scaler: -2,
      unit: UNIT_A,
    })),
    power: [
      { obis: '1-0:1.7.0.255', value: u32(r.powerInW), scaler: 0, unit: UNIT_W },
      { obis: '1-0:2.7.0.255', value: u32(r.powerOutW), scaler: 0, unit: UNIT_W },
    ],
    energy: [
      { obis: '1-0:1.8.0.255', value: u32(r.energyInWh), scaler: 0, unit: UNIT_WH },
      { obis: '1-0:2.8.0.255', value: u32(r.energyOutWh), scaler: 0, unit: UNIT_WH },
    ],
    reactive: [
      { obis: '1-0:3.8.0.255', value: u32(r.reactiveEnergyInVarh), scaler: 0, unit: UNIT_VARH },
      { obis: '1-0:4.8.0.255', value: u32(r.reactiveEnergyOutVarh), scaler: 0, unit: UNIT_VARH },
    ],
    powerFactor: [
      {
        obis: '1-0:13.7.0.255',
        value: powerFactorSigned ? i16(r.powerFactorMilli) : u16(r.powerFactorMilli),
        scaler: -3,
        unit: UNIT_NONE,
      },
    ],
  };
}

/** KSM-West (TINETZ, IKB, Salzburg, Vorarlberg): nested `{OBIS, value, {scaler, unit}}`, 16 or 12 elements. */
function ksmWestBody(input: PushInput, phases: 1 | 3): DlmsValue {
  const dateTime = encodeCosemDateTime(input.time);
  const r = rows(input, phases, false);
  const registers = [...r.voltage, ...r.current, ...r.power, ...r.energy, ...r.reactive];
  return structure([
    obis('0-0:1.0.0.255'),
    octets(dateTime),
    structure([obis('0-0:96.1.0.255'), ascii(input.meterNumber)]),
    structure([obis('0-0:42.0.0.255'), ascii(input.deviceName)]),
    ...registers.map((row) => structure([obis(row.obis), row.value, scalerUnit(row.scaler, row.unit)])),
  ]);
}

/** EVN / Netz NÖ: one flat structure of 35 elements, timestamp first and meter number last, no OBIS for either. */
function evnBody(input: PushInput, powerFactorSigned: boolean): DlmsValue {
  const r = rows(input, 3, powerFactorSigned);
  const registers = [...r.energy, ...r.power, ...r.voltage, ...r.current, ...r.powerFactor];
  return structure([
    octets(encodeCosemDateTime(input.time)),
    ...registers.flatMap((row) => [obis(row.obis), row.value, scalerUnit(row.scaler, row.unit)]),
    ascii(input.meterNumber),
  ]);
}

export function encodePushBody(layout: PushLayout, input: PushInput): DlmsValue {
  switch (layout) {
    case 'ksm-west':
      return ksmWestBody(input, 3);
    case 'ksm-west-1phase':
      return ksmWestBody(input, 1);
    case 'evn':
      return evnBody(input, false);
    case 't210d':
      return evnBody(input, true);
  }
}

/** The layouts' transport details, as the real meters send them. */
export const LAYOUT_TRANSPORT: Readonly<
  Record<PushLayout, { securityControl: number; segmentSize: number; invokeIdHighBit: boolean }>
> = {
  'ksm-west': { securityControl: 0x21, segmentSize: 245, invokeIdHighBit: false },
  'ksm-west-1phase': { securityControl: 0x21, segmentSize: 245, invokeIdHighBit: false },
  evn: { securityControl: 0x20, segmentSize: 245, invokeIdHighBit: true },
  // One T210-D firmware fills its first frame with 252 APDU bytes, so that frame's length byte wraps.
  t210d: { securityControl: 0x20, segmentSize: 252, invokeIdHighBit: true },
};
