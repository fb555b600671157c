import { MeterError } from '../errors.js';
import { setNetPower, type TelegramValues } from './meter-model.js';
import type { ValueKey } from './value-keys.js';

/**
 * What a direct-connected household meter can physically measure. The Austrian customer-interface meters
 * (Kaifa MA309, Sagemcom T210-D, and the HDLC meters after them) are 3 × 230 V, at most 100 A per phase:
 * 3 × 253 V (230 V + 10 %) × 100 A ≈ 76 kW. The bounds below add 50 % on top of that, so that no real
 * reading is ever lost, while the damage line noise does (a flipped high bit: 2^15 decivolts, 2^31 Wh) is
 * far outside. Meters behind current transformers count primary values and can exceed these bounds; they
 * are not what this bridge is for (README, "Nothing the meter did not send").
 */

/** Highest power of any kind, W / var / VA. */
export const MAX_POWER_W = 120_000;
/** The fastest an energy total can rise, in its published unit (kWh or kvarh) per second. */
export const MAX_ENERGY_RATE_PER_S = MAX_POWER_W / 1000 / 3600;
/**
 * Added to the time between two telegrams before the rate is applied: the meter's clock has whole
 * seconds, and a register that counts whole Wh may step just before one telegram and just after the next.
 */
export const RATE_SLACK_S = 10;

type Range = { readonly min: number; readonly max: number; readonly unit: string };

const VOLTAGE: Range = { min: 0, max: 400, unit: 'V' };
const CURRENT: Range = { min: -150, max: 150, unit: 'A' };
const POWER: Range = { min: 0, max: MAX_POWER_W, unit: 'W' };
const REACTIVE_POWER: Range = { min: 0, max: MAX_POWER_W, unit: 'var' };

/** Instantaneous values: each is checked on its own, in every telegram. */
const RANGES: Partial<Record<ValueKey, Range>> = {
  voltage_l1: VOLTAGE,
  voltage_l2: VOLTAGE,
  voltage_l3: VOLTAGE,
  current_l1: CURRENT,
  current_l2: CURRENT,
  current_l3: CURRENT,
  power_in: POWER,
  power_out: POWER,
  reactive_power_in: REACTIVE_POWER,
  reactive_power_out: REACTIVE_POWER,
  power_factor: { min: -1, max: 1, unit: '' },
};

/** The energy totals: only ever rising, checked against the last published value (total-track.ts). */
export const TOTALS: readonly ValueKey[] = [
  'energy_in',
  'energy_out',
  'reactive_energy_in',
  'reactive_energy_out',
  'energy_in_t1',
  'energy_in_t2',
  'energy_out_t1',
  'energy_out_t2',
];

const TOTAL_KEYS: ReadonlySet<ValueKey> = new Set(TOTALS);

/**
 * Removes from `values` every number that no meter can measure: NaN, ±Infinity, a total below zero, an
 * instantaneous value outside its range. Returns one IMPLAUSIBLE error per value removed. The derived
 * `power` is computed again from what is left, or removed.
 */
export function dropImplausible(values: TelegramValues): MeterError[] {
  const errors: MeterError[] = [];
  let phasesWhole = true;
  for (const [key, value] of Object.entries(values) as [ValueKey, number | string][]) {
    if (typeof value !== 'number' || key === 'power') continue;
    const why = whyImplausible(key, value);
    if (why === undefined) continue;
    delete values[key];
    if (PHASE_KEYS.has(key)) phasesWhole = false;
    errors.push(new MeterError('IMPLAUSIBLE', `${key} ${value} ${why}: not published`));
  }
  // With a voltage or current already withheld the sum is incomplete: nothing to compare then.
  const inconsistent = phasesWhole ? powerBeyondCurrents(values) : undefined;
  if (inconsistent !== undefined) {
    for (const key of POWER_AND_CURRENTS) delete values[key];
    errors.push(new MeterError('IMPLAUSIBLE', `${inconsistent}: power and currents not published`));
  }
  setNetPower(values);
  return errors;
}

function whyImplausible(key: ValueKey, value: number): string | undefined {
  if (!Number.isFinite(value)) return 'is not a number';
  if (TOTAL_KEYS.has(key)) return value < 0 ? 'is below zero, which a total never is' : undefined;
  const range = RANGES[key];
  if (range === undefined || (value >= range.min && value <= range.max)) return undefined;
  const unit = range.unit === '' ? '' : ` ${range.unit}`;
  return `is outside ${range.min}…${range.max}${unit}, more than a household meter measures`;
}

const PHASES = [
  ['voltage_l1', 'current_l1'],
  ['voltage_l2', 'current_l2'],
  ['voltage_l3', 'current_l3'],
] as const;
const PHASE_KEYS: ReadonlySet<ValueKey> = new Set(PHASES.flat());
const POWER_AND_CURRENTS: readonly ValueKey[] = [
  'power_in',
  'power_out',
  'current_l1',
  'current_l2',
  'current_l3',
];
/** Margin on U × I for readings taken a moment apart, and for the currents' 0.01 A resolution. */
const APPARENT_POWER_MARGIN = 1.25;
const APPARENT_POWER_SLACK_W = 200;

/**
 * Active power can never exceed what the phases' voltages and currents carry (P ≤ Σ U·I). A damaged power or
 * current breaks that, and which of them is damaged cannot be told, so neither is published.
 */
function powerBeyondCurrents(values: TelegramValues): string | undefined {
  let apparent = 0;
  let phases = 0;
  for (const [voltageKey, currentKey] of PHASES) {
    const voltage = values[voltageKey];
    const current = values[currentKey];
    if (typeof voltage !== 'number' || typeof current !== 'number') continue;
    apparent += voltage * Math.abs(current);
    phases++;
  }
  if (phases === 0) return undefined;
  const bound = apparent * APPARENT_POWER_MARGIN + APPARENT_POWER_SLACK_W;
  for (const key of ['power_in', 'power_out'] as const) {
    const power = values[key];
    if (typeof power === 'number' && power > bound) {
      return `${key} ${power} W is more than the phases' voltages and currents carry (${Math.round(apparent)} VA)`;
    }
  }
  return undefined;
}
