import fc from 'fast-check';
import type { LocalTime, MeterRegisters, PushInput } from '../../src/encode/push-layouts.js';

/** fast-check arbitraries for meter readings, in the ranges real meters send. */

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

export const registersArb: fc.Arbitrary<MeterRegisters> = fc.record({
  energyInWh: u32,
  energyOutWh: u32,
  reactiveEnergyInVarh: u32,
  reactiveEnergyOutVarh: u32,
  powerInW: u32,
  powerOutW: u32,
  voltageDecivolts: fc.tuple(u16, u16, u16),
  currentCentiamps: fc.tuple(u16, u16, u16),
  powerFactorMilli: fc.integer({ min: 0, max: 1000 }),
});

export const localTimeArb: fc.Arbitrary<LocalTime> = fc.record({
  year: fc.integer({ min: 2000, max: 2099 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  utcOffsetMinutes: fc.constantFrom(60, 120),
});

export const pushInputArb: fc.Arbitrary<PushInput> = fc.record({
  time: localTimeArb,
  meterNumber: fc.stringMatching(/^[0-9A-Z]{12,14}$/),
  deviceName: fc.stringMatching(/^KFM[0-9]{13}$/),
  registers: registersArb,
});

/** Splits bytes at random points: the chunking a serial port or a pipe might produce. */
export function chunksArb(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 40 })
    .map((cuts) => cuts.filter((c) => c < length).sort((a, b) => a - b));
}

export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(start, cut));
    start = cut;
  }
  parts.push(bytes.subarray(start));
  return parts;
}
