import type { LabelledReading } from '../cosem/labelled-reading.js';
import { netPower, type ObisReading, scale, type Telegram, type TelegramValues } from './meter-model.js';
import {
  UNIT_CONVERSIONS,
  VALUE_KEY_BY_OBIS,
  VALUE_KEYS,
  type ValueKey,
  type ValueKeySpec,
} from './value-keys.js';

/**
 * OBIS-labelled readings (DSMR text, OMS records) to a Telegram, through the same OBIS table as the DLMS
 * path (value-keys.ts): one place says which code is which key, in which unit.
 *
 * Two rules beyond the table, both for what these meters send instead of a register:
 *   - the meter id from DSMR 5's equipment identifier 0-0:96.1.1 when 0-0:96.1.0 is absent;
 *   - an energy total X.8.0 from its tariff 1 X.8.1 when that is the meter's only tariff register of
 *     the quantity (the Siemens AMIS counts reactive energy so: tariff 1 only, no total).
 * A number without a unit is published only under a key without one (the power factor): these protocols
 * write the unit of every physical quantity, so a missing one is a meter not understood, not a default.
 */

export type ReadingsContext = {
  readonly systemTitle: string | undefined;
  readonly frameCounter: number | undefined;
  readonly invokeId?: number;
  /** The protocol's own clock (an OMS header has none); else the readings' 0-0:1.0.0. */
  readonly time?: string | undefined;
  /** The meter's id from outside the readings (an OMS header), when no register names one. */
  readonly meterId?: string | undefined;
  /** The layout fingerprint (layout-fingerprint.ts's role): the same for every push of one meter. */
  readonly structure: number;
};

const CLOCK_OBIS = '0-0:1.0.0.255';
const EQUIPMENT_ID_OBIS = '0-0:96.1.1.255';
const slotOf = (key: ValueKey): number => VALUE_KEYS.findIndex((spec) => spec.key === key);
const METER_ID_SLOT = slotOf('meter_id');
const POWER_SLOT = slotOf('power');
const POWER_IN_SLOT = slotOf('power_in');
const POWER_OUT_SLOT = slotOf('power_out');

export function buildTelegramFromReadings(
  context: ReadingsContext,
  readings: readonly LabelledReading[],
): Telegram {
  const obis: Record<string, ObisReading> = {};
  const byCode = new Map<string, LabelledReading>();
  const slots: (number | string | undefined)[] = new Array(VALUE_KEYS.length).fill(undefined);
  for (const reading of readings) {
    // The first of two readings with one code wins: later ones are rarer variants of the same register.
    if (byCode.has(reading.obis)) continue;
    byCode.set(reading.obis, reading);
    obis[reading.obis] =
      reading.unit === undefined ? { value: reading.value } : { value: reading.value, unit: reading.unit };
    const spec = VALUE_KEY_BY_OBIS.get(reading.obis);
    if (spec !== undefined) publish(spec, reading, slots);
  }
  for (let slot = 0; slot < VALUE_KEYS.length; slot++) {
    const spec = VALUE_KEYS[slot] as ValueKeySpec;
    if (slots[slot] !== undefined || spec.obis === undefined) continue;
    const stand = standIn(spec.obis, byCode);
    if (stand !== undefined) publish(spec, stand, slots);
  }
  if (slots[METER_ID_SLOT] === undefined) slots[METER_ID_SLOT] = context.meterId;
  slots[POWER_SLOT] = netPower(slots[POWER_IN_SLOT], slots[POWER_OUT_SLOT]);

  const clock = obis[CLOCK_OBIS]?.value;
  const meterId = slots[METER_ID_SLOT];
  const values: TelegramValues = {};
  for (let i = 0; i < VALUE_KEYS.length; i++) {
    const value = slots[i];
    if (value !== undefined) values[(VALUE_KEYS[i] as ValueKeySpec).key] = value;
  }
  return {
    meterId: typeof meterId === 'string' ? meterId : undefined,
    systemTitle: context.systemTitle,
    frameCounter: context.frameCounter,
    invokeId: context.invokeId ?? 0,
    time: context.time ?? (typeof clock === 'string' ? clock : undefined),
    values,
    obis,
    structure: context.structure,
  };
}

function publish(spec: ValueKeySpec, reading: LabelledReading, slots: (number | string | undefined)[]): void {
  const slot = VALUE_KEYS.indexOf(spec);
  if (spec.kind === 'text') {
    if (typeof reading.value === 'string' && reading.value.length > 0) slots[slot] = reading.value;
    return;
  }
  if (typeof reading.value !== 'number' || !Number.isFinite(reading.value)) return;
  let exponent: number | undefined;
  if (spec.unit === undefined) exponent = reading.unit === undefined ? 0 : undefined;
  else exponent = reading.unit === undefined ? undefined : UNIT_CONVERSIONS[spec.unit]?.[reading.unit];
  if (exponent === undefined) return;
  const published =
    reading.mantissa !== undefined && reading.exponent !== undefined
      ? scale(reading.mantissa, reading.exponent + exponent)
      : scale(reading.value, exponent);
  if (Number.isFinite(published)) slots[slot] = published === 0 ? 0 : published;
}

/** What stands in for a register the meter does not send (the two rules above). */
function standIn(code: string, byCode: ReadonlyMap<string, LabelledReading>): LabelledReading | undefined {
  if (code === '0-0:96.1.0.255') return byCode.get(EQUIPMENT_ID_OBIS);
  const total = /^(1-0:\d+\.8\.)0\.255$/.exec(code);
  if (total === null) return undefined;
  const prefix = total[1] as string;
  const tariffOne = byCode.get(`${prefix}1.255`);
  if (tariffOne === undefined) return undefined;
  for (const other of byCode.keys()) {
    if (other.startsWith(prefix) && other !== tariffOne.obis) return undefined;
  }
  return tariffOne;
}
