import { randomBytes } from 'node:crypto';
import { encodeMeterTelegram } from '../encode/meter-telegram.js';
import type { LocalTime, MeterRegisters, PushLayout } from '../encode/push-layouts.js';

/**
 * A virtual meter: the telegrams a real one would push, encrypted with the given key, with values that
 * behave like a household's (power wanders, a PV system exports around noon, energy totals only grow).
 */

export type SimulatorOptions = {
  readonly layout: PushLayout;
  readonly key: Uint8Array;
  readonly intervalMs: number;
  readonly systemTitle?: Uint8Array;
  readonly meterNumber?: string;
  /** For reproducible runs; Math.random otherwise. */
  readonly random?: () => number;
  readonly now?: () => Date;
};

const DEFAULT_TITLES: Readonly<Record<PushLayout, string>> = {
  'ksm-west': '4B464D1020000001',
  'ksm-west-1phase': '4B464D1010000001',
  evn: '4B464D6750000001',
  t210d: '5341475905000001',
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
  private fraction = { in: 0, out: 0 };
  private baseLoadW = 450;
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(private readonly options: SimulatorOptions) {
    this.systemTitle = options.systemTitle ?? Buffer.from(DEFAULT_TITLES[options.layout], 'hex');
    const evn = options.layout === 'evn' || options.layout === 't210d';
    this.meterNumber = options.meterNumber ?? (evn ? '181220000001' : '1KFM0200000001');
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
    // A running meter's counter is far from zero; start somewhere plausible and different per run.
    this.frameCounter = 0x20000 + randomBytes(2).readUInt16BE();
    this.invokeId = this.frameCounter & 0xffff;
  }

  /** The M-Bus frames of the next telegram. */
  next(): Uint8Array[] {
    const registers = this.step();
    this.frameCounter++;
    this.invokeId++;
    return encodeMeterTelegram(
      this.options.layout,
      {
        time: localTime(this.now()),
        meterNumber: this.meterNumber,
        deviceName: `KFM12${this.meterNumber.slice(-11)}`,
        registers,
      },
      {
        encryptionKey: this.options.key,
        systemTitle: this.systemTitle,
        frameCounter: this.frameCounter,
        invokeId: this.invokeId,
      },
    );
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
    if (r() < 0.2) this.reactiveInVarh++;
    if (r() < 0.3) this.reactiveOutVarh++;
    const voltage = (): number => Math.round(2300 + (r() - 0.5) * 60);
    const perPhaseA = (powerIn + powerOut) / 3 / 230;
    const current = (): number => Math.round(Math.max(0, perPhaseA * (0.7 + r() * 0.6)) * 100);
    return {
      energyInWh: this.energyInWh,
      energyOutWh: this.energyOutWh,
      reactiveEnergyInVarh: this.reactiveInVarh,
      reactiveEnergyOutVarh: this.reactiveOutVarh,
      powerInW: powerIn,
      powerOutW: powerOut,
      voltageDecivolts: [voltage(), voltage(), voltage()],
      currentCentiamps: [current(), current(), current()],
      powerFactorMilli: Math.round(950 + r() * 50),
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
