import { crc16Arc } from '../dsmr/dsmr-crc.js';
import type { LocalTime, PushInput, TariffExtras } from './push-layouts.js';
import { encodeGloCiphering } from './telegram-encoder.js';

/**
 * DSMR/P1 telegrams as a meter writes them, with a correct CRC: for round trips and for the simulator.
 *
 *   - `t210d-r-p1`: the Sagemcom T210-D-r of Energienetze Steiermark / Stromnetz Graz — the line set, order
 *     and nine-digit Wh/W/varh/var registers of its published telegram (test/fixtures/dsmr), sent as the
 *     plaintext of a general-glo-ciphering APDU with a GCM tag (SC 0x30), nothing around it on the line.
 *   - `dsmr-5`: a P1 Companion Standard 5.0.2 telegram in the clear: kWh/kW with three decimals, V with one,
 *     the equipment id hex-encoded. Currents get two decimals (the standard's are whole amperes) so that a
 *     round trip keeps the register's centiamperes.
 */

export type DsmrLayout = 't210d-r-p1' | 'dsmr-5';
export const DSMR_LAYOUTS: readonly DsmrLayout[] = ['t210d-r-p1', 'dsmr-5'];

export type DsmrLine = { readonly obis: string; readonly groups: readonly string[] };

export type DsmrEncodeOptions = {
  /** Whether to close with `!CRC` (default) or `!` alone, as some meters do. */
  readonly crc?: boolean;
  readonly extras?: TariffExtras;
};

/** `/identification`, a blank line, one line per object, `!` and the CRC over `/` … `!`. */
export function encodeDsmrText(identification: string, lines: readonly DsmrLine[], crc = true): Uint8Array {
  const body = [
    `/${identification}`,
    '',
    ...lines.map((l) => `${l.obis}${l.groups.map((g) => `(${g})`).join('')}`),
    '!',
  ].join('\r\n');
  const bytes = Buffer.from(body, 'latin1');
  const footer = crc ? `${crc16Arc(bytes).toString(16).toUpperCase().padStart(4, '0')}\r\n` : '\r\n';
  return new Uint8Array(Buffer.concat([bytes, Buffer.from(footer, 'latin1')]));
}

export function encodeDsmrPush(
  layout: DsmrLayout,
  input: PushInput,
  options: DsmrEncodeOptions = {},
): Uint8Array {
  const lines = layout === 't210d-r-p1' ? t210dRLines(input, options.extras ?? {}) : dsmr5Lines(input);
  const identification =
    layout === 't210d-r-p1' ? `EST5\\${input.meterNumber}` : `SAG5\\${input.meterNumber}`;
  return encodeDsmrText(identification, lines, options.crc ?? true);
}

export type DsmrApduOptions = {
  readonly systemTitle: Uint8Array;
  readonly frameCounter: number;
  readonly encryptionKey: Uint8Array;
  readonly authenticationKey: Uint8Array;
};

/** What the T210-D-r writes on its P1 port: the telegram inside `DB 08 <title> <len> 30 <fc> … <tag>`. */
export function encodeT210dRApdu(
  input: PushInput,
  options: DsmrApduOptions,
  extras: TariffExtras = {},
): Uint8Array {
  return encodeGloCiphering({
    systemTitle: options.systemTitle,
    frameCounter: options.frameCounter,
    securityControl: 0x30,
    encryptionKey: options.encryptionKey,
    authenticationKey: options.authenticationKey,
    plaintext: encodeDsmrPush('t210d-r-p1', input, { extras }),
  });
}

/** `YYMMDDhhmmss` and S (UTC+2, summer) or W (UTC+1, winter): DSMR knows no other offsets. */
export function dsmrTimestamp(time: LocalTime): string {
  if (time.utcOffsetMinutes !== 60 && time.utcOffsetMinutes !== 120) {
    throw new RangeError(`DSMR timestamps are CET or CEST, not UTC${time.utcOffsetMinutes / 60}`);
  }
  if (time.year < 2000 || time.year > 2099) throw new RangeError('DSMR timestamps have a two-digit year');
  const two = (n: number): string => n.toString().padStart(2, '0');
  const digits = [time.year - 2000, time.month, time.day, time.hour, time.minute, time.second]
    .map(two)
    .join('');
  return `${digits}${time.utcOffsetMinutes === 120 ? 'S' : 'W'}`;
}

/** An integer register with `decimals` of it after the point, the integer part zero-padded to `width`. */
export function fixed(raw: number, decimals: number, width: number): string {
  const digits = Math.trunc(Math.abs(raw))
    .toString()
    .padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).padStart(width, '0');
  const text = decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
  return raw < 0 ? `-${text}` : text;
}

function t210dRLines(input: PushInput, extras: TariffExtras): DsmrLine[] {
  const r = input.registers;
  const nine = (value: number, unit: string): string => `${fixed(value, 0, 9)}*${unit}`;
  const total = (obisC: number, value: number, t2: number, unit: string): DsmrLine[] => {
    const second = Math.min(value, t2);
    return [
      { obis: `1-0:${obisC}.8.0`, groups: [nine(value, unit)] },
      { obis: `1-0:${obisC}.8.1`, groups: [nine(value - second, unit)] },
      { obis: `1-0:${obisC}.8.2`, groups: [nine(second, unit)] },
    ];
  };
  return [
    { obis: '1-3:0.2.8', groups: ['50'] },
    { obis: '0-0:1.0.0', groups: [dsmrTimestamp(input.time)] },
    ...total(1, r.energyInWh, extras.energyInT2Wh ?? 0, 'Wh'),
    { obis: '1-0:1.7.0', groups: [nine(r.powerInW, 'W')] },
    ...total(2, r.energyOutWh, extras.energyOutT2Wh ?? 0, 'Wh'),
    { obis: '1-0:2.7.0', groups: [nine(r.powerOutW, 'W')] },
    ...total(3, r.reactiveEnergyInVarh, extras.reactiveEnergyInT2Varh ?? 0, 'varh'),
    { obis: '1-0:3.7.0', groups: [nine(extras.reactivePowerInVar ?? 0, 'var')] },
    ...total(4, r.reactiveEnergyOutVarh, extras.reactiveEnergyOutT2Varh ?? 0, 'varh'),
    { obis: '1-0:4.7.0', groups: [nine(extras.reactivePowerOutVar ?? 0, 'var')] },
  ];
}

function dsmr5Lines(input: PushInput): DsmrLine[] {
  const r = input.registers;
  const hexText = Buffer.from(input.meterNumber, 'latin1').toString('hex').toUpperCase();
  const phases = [
    ['32', '31'],
    ['52', '51'],
    ['72', '71'],
  ] as const;
  return [
    { obis: '1-3:0.2.8', groups: ['50'] },
    { obis: '0-0:1.0.0', groups: [dsmrTimestamp(input.time)] },
    { obis: '0-0:96.1.0', groups: [hexText] },
    { obis: '1-0:1.8.0', groups: [`${fixed(r.energyInWh, 3, 6)}*kWh`] },
    { obis: '1-0:2.8.0', groups: [`${fixed(r.energyOutWh, 3, 6)}*kWh`] },
    { obis: '1-0:3.8.0', groups: [`${fixed(r.reactiveEnergyInVarh, 3, 6)}*kvarh`] },
    { obis: '1-0:4.8.0', groups: [`${fixed(r.reactiveEnergyOutVarh, 3, 6)}*kvarh`] },
    { obis: '1-0:1.7.0', groups: [`${fixed(r.powerInW, 3, 2)}*kW`] },
    { obis: '1-0:2.7.0', groups: [`${fixed(r.powerOutW, 3, 2)}*kW`] },
    ...phases.flatMap(([voltage, current], l) => [
      { obis: `1-0:${voltage}.7.0`, groups: [`${fixed(r.voltageDecivolts[l] as number, 1, 3)}*V`] },
      { obis: `1-0:${current}.7.0`, groups: [`${fixed(r.currentCentiamps[l] as number, 2, 3)}*A`] },
    ]),
    { obis: '1-0:13.7.0', groups: [fixed(r.powerFactorMilli, 3, 1)] },
  ];
}
