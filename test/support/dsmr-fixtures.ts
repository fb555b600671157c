import { readFileSync } from 'node:fs';
import type { PushInput } from '../../src/encode/push-layouts.js';

/** The published DSMR/P1 telegrams of test/fixtures/dsmr (sources in each entry). */

export type DsmrFixture = {
  readonly name: string;
  readonly operator: string;
  readonly meter: string;
  readonly source: string;
  readonly text: string;
  readonly apdu_hex?: string;
  readonly key_hex?: string;
  readonly auth_key_hex?: string;
  readonly notes: string;
};

export const DSMR_FIXTURES: readonly DsmrFixture[] = JSON.parse(
  readFileSync(new URL('../fixtures/dsmr/telegrams.json', import.meta.url), 'utf8'),
);

export function dsmrFixture(name: string): DsmrFixture {
  const fixture = DSMR_FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no DSMR fixture ${name}`);
  return fixture;
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** The readings of the published T210-D-r telegram (test/fixtures/dsmr), as encoder input. */
export const T210D_R_INPUT: PushInput = {
  time: { year: 2022, month: 10, day: 6, hour: 15, minute: 50, second: 14, utcOffsetMinutes: 120 },
  meterNumber: '253710000_A',
  deviceName: '',
  registers: {
    energyInWh: 6545766,
    energyOutWh: 58,
    reactiveEnergyInVarh: 747,
    reactiveEnergyOutVarh: 3897726,
    powerInW: 286,
    powerOutW: 0,
    voltageDecivolts: [0, 0, 0],
    currentCentiamps: [0, 0, 0],
    powerFactorMilli: 0,
  },
};
