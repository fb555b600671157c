import { randomBytes } from 'node:crypto';
import type { LocalTime, MeterRegisters, TariffExtras } from '../encode/push-layouts.js';
import {
  DEFAULT_METER_NUMBERS,
  DEFAULT_TITLES,
  encodeSimulatedPush,
  type SimulatorLayout,
} from './simulator-layouts.js';

/**
 * A virtual meter: the telegrams a real one would push, encrypted with the given key, with values that
 * behave like a household's (power wanders, a PV system exports around noon, energy totals only grow).
 */

export type SimulatorOptions = {
  readonly layout: SimulatorLayout;
  readonly key: Uint8Array;
  /** For the layouts whose meters send a GCM tag (simulator-layouts.ts, needsAuthKey). */
  readonly authKey?: Uint8Array;
  readonly intervalMs: number;
  readonly systemTitle?: Uint8Array;
  readonly meterNumber?: string;
  /** For reproducible runs; Math.random otherwise. */
  readonly random?: () => number;
  readonly now?: () => Date;
};

export class MeterSimulator {
  readonly systemTitle: Uint8Array;
  readonly meterNumber: string;
  private frameCounter: number;
  private invokeId: number;
  private energyInWh = 3_744_082;
  private energyOutWh = 3_929_988;
  private reactiveInVarh = 13_445;
  private reactiveOutVarh = 1_313_360;
  /** The tariff-2 (night, 22:00–06:00) shares of the totals, for the layouts that send tariff registers. */
  private energyInT2Wh = 814_817;
  private energyOutT2Wh = 0;
  private reactivePower = { in: 0, out: 0 };
  private fraction = { in: 0, out: 0 };
  private baseLoadW = 450;
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(private readonly options: SimulatorOptions) {
    this.systemTitle = options.systemTitle ?? Buffer.from(DEFAULT_TITLES[options.layout], 'hex');
    this.meterNumber = options.meterNumber ?? DEFAULT_METER_NUMBERS[options.layout];
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
    // A running meter's counter is far from zero; start somewhere plausible and different per run.
    this.frameCounter = 0x20000 + randomBytes(2).readUInt16BE();
    this.invokeId = this.frameCounter & 0xffff;
  }

  /** The frames of the next telegram (M-Bus or HDLC frames, or the one bare APDU of the T210-D-r). */
  next(): Uint8Array[] {
    const registers = this.step();
    this.frameCounter++;
    this.invokeId++;
    return encodeSimulatedPush(this.options.layout, {
      input: {
        // A DSMR timestamp knows only CET and CEST: that meter's clock is Austrian whatever this machine's zone.
        time: this.options.layout === 't210d-r-p1' ? viennaTime(this.now()) : localTime(this.now()),
        meterNumber: this.meterNumber,
        deviceName: `KFM12${this.meterNumber.slice(-11)}`,
        registers,
      },
      extras: this.extras(),
      encryptionKey: this.options.key,
      authenticationKey: this.options.authKey,
      systemTitle: this.systemTitle,
      frameCounter: this.frameCounter,
      invokeId: this.invokeId,
    });
  }

  private extras(): TariffExtras {
    return {
      energyInT2Wh: this.energyInT2Wh,
      energyOutT2Wh: this.energyOutT2Wh,
      reactiveEnergyInT2Varh: 0,
      reactiveEnergyOutT2Varh: 0,
      reactivePowerInVar: this.reactivePower.in,
      reactivePowerOutVar: this.reactivePower.out,
    };
  }

  private step(): MeterRegisters {
    const r = this.random;
    const hour = this.now().getHours() + this.now().getMinutes() / 60;
    this.baseLoadW = clamp(this.baseLoadW + (r() - 0.5) * 120, 150, 3500);
    const spike = r() < 0.05 ? 2000 * r() : 0;
    const solar = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI)) * 2500;
    const net = this.baseLoadW + spike - solar;
    const powerIn = Math.round(Math.max(0, net));
    const powerOut = Math.round(Math.max(0, -net));
    const hours = this.options.intervalMs / 3_600_000;
    // Energy registers count whole Wh; carry the fractions so totals match the integrated power.
    this.fraction.in += powerIn * hours;
    this.fraction.out += powerOut * hours;
    const wholeIn = Math.floor(this.fraction.in);
    const wholeOut = Math.floor(this.fraction.out);
    this.fraction.in -= wholeIn;
    this.fraction.out -= wholeOut;
    this.energyInWh += wholeIn;
    this.energyOutWh += wholeOut;
    if (hour < 6 || hour >= 22) {
      this.energyInT2Wh += wholeIn;
      this.energyOutT2Wh += wholeOut;
    }
    this.reactivePower = { in: Math.round(powerIn * 0.1 * r()), out: Math.round(powerOut * 0.05 * r()) };
    if (r() < 0.2) this.reactiveInVarh++;
    if (r() < 0.3) this.reactiveOutVarh++;
    const voltage = (): number => Math.round(2300 + (r() - 0.5) * 60);
    const voltageDecivolts = [voltage(), voltage(), voltage()] as const;
    const powerFactorMilli = Math.round(950 + r() * 50);
    // The phases carry the power unevenly, but together exactly what it takes: Σ U·I = P / cos φ. Currents
    // drawn per phase on their own could sum to less than the power, which no meter sends and which the
    // plausibility check then rightly withholds (the demo showed IMPLAUSIBLE now and then).
    const apparentVA = (powerIn + powerOut) / (powerFactorMilli / 1000);
    const shares = [0.7 + r() * 0.6, 0.7 + r() * 0.6, 0.7 + r() * 0.6] as const;
    const sum = shares[0] + shares[1] + shares[2];
    const current = (phase: 0 | 1 | 2): number =>
      Math.round(((apparentVA * shares[phase]) / sum / (voltageDecivolts[phase] / 10)) * 100);
    return {
      energyInWh: this.energyInWh,
      energyOutWh: this.energyOutWh,
      reactiveEnergyInVarh: this.reactiveInVarh,
      reactiveEnergyOutVarh: this.reactiveOutVarh,
      powerInW: powerIn,
      powerOutW: powerOut,
      voltageDecivolts: [...voltageDecivolts],
      currentCentiamps: [current(0), current(1), current(2)],
      powerFactorMilli,
    };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Local wall-clock time with its UTC offset, as the meter's clock reports it. */
export function localTime(date: Date): LocalTime {
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    utcOffsetMinutes: -date.getTimezoneOffset(),
  };
}

const VIENNA = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Vienna',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** Wall-clock time in Austria (CET/CEST), with its offset. */
export function viennaTime(date: Date): LocalTime {
  const part = (type: string): number =>
    Number(VIENNA.formatToParts(date).find((p) => p.type === type)?.value ?? Number.NaN);
  const wall = {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const utcOffsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  return { ...wall, utcOffsetMinutes };
}
