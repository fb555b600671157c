/**
 * The value keys (README, `run`): stable names that topics, JSON keys and entity ids derive from.
 * The first twelve are the topic names of the project this one replaces; they must not change.
 */

export type ValueKey =
  | 'energy_in'
  | 'energy_out'
  | 'reactive_energy_in'
  | 'reactive_energy_out'
  | 'power_in'
  | 'power_out'
  | 'power'
  | 'reactive_power_in'
  | 'reactive_power_out'
  | 'voltage_l1'
  | 'voltage_l2'
  | 'voltage_l3'
  | 'current_l1'
  | 'current_l2'
  | 'current_l3'
  | 'power_factor'
  | 'meter_id'
  | 'device_name'
  | 'energy_in_t1'
  | 'energy_in_t2'
  | 'energy_out_t1'
  | 'energy_out_t2';

export type DeviceClass =
  | 'energy'
  | 'reactive_energy'
  | 'power'
  | 'reactive_power'
  | 'voltage'
  | 'current'
  | 'power_factor';

export type ValueKeySpec = {
  readonly key: ValueKey;
  /** OBIS A-B:C.D.E.F; absent for derived values. */
  readonly obis: string | undefined;
  /** The unit published (and shown in Home Assistant); undefined for unitless and text values. */
  readonly unit: string | undefined;
  readonly deviceClass: DeviceClass | undefined;
  readonly stateClass: 'total_increasing' | 'measurement' | undefined;
  readonly kind: 'number' | 'text';
};

const n = (
  key: ValueKey,
  obis: string | undefined,
  unit: string | undefined,
  deviceClass: DeviceClass,
  stateClass: 'total_increasing' | 'measurement',
): ValueKeySpec => ({ key, obis, unit, deviceClass, stateClass, kind: 'number' });

/**
 * In publishing order. New keys go at the end, so that the order (and with it the JSON, topics and
 * entities) of those before stays as it was.
 */
export const VALUE_KEYS: readonly ValueKeySpec[] = [
  n('energy_in', '1-0:1.8.0.255', 'kWh', 'energy', 'total_increasing'),
  n('energy_out', '1-0:2.8.0.255', 'kWh', 'energy', 'total_increasing'),
  n('reactive_energy_in', '1-0:3.8.0.255', 'kvarh', 'reactive_energy', 'total_increasing'),
  n('reactive_energy_out', '1-0:4.8.0.255', 'kvarh', 'reactive_energy', 'total_increasing'),
  n('power_in', '1-0:1.7.0.255', 'W', 'power', 'measurement'),
  n('power_out', '1-0:2.7.0.255', 'W', 'power', 'measurement'),
  n('power', undefined, 'W', 'power', 'measurement'),
  n('reactive_power_in', '1-0:3.7.0.255', 'var', 'reactive_power', 'measurement'),
  n('reactive_power_out', '1-0:4.7.0.255', 'var', 'reactive_power', 'measurement'),
  n('voltage_l1', '1-0:32.7.0.255', 'V', 'voltage', 'measurement'),
  n('voltage_l2', '1-0:52.7.0.255', 'V', 'voltage', 'measurement'),
  n('voltage_l3', '1-0:72.7.0.255', 'V', 'voltage', 'measurement'),
  n('current_l1', '1-0:31.7.0.255', 'A', 'current', 'measurement'),
  n('current_l2', '1-0:51.7.0.255', 'A', 'current', 'measurement'),
  n('current_l3', '1-0:71.7.0.255', 'A', 'current', 'measurement'),
  n('power_factor', '1-0:13.7.0.255', undefined, 'power_factor', 'measurement'),
  {
    key: 'meter_id',
    obis: '0-0:96.1.0.255',
    unit: undefined,
    deviceClass: undefined,
    stateClass: undefined,
    kind: 'text',
  },
  {
    key: 'device_name',
    obis: '0-0:42.0.0.255',
    unit: undefined,
    deviceClass: undefined,
    stateClass: undefined,
    kind: 'text',
  },
  // The tariff registers (T1 and T2 of a two-rate tariff) the L+G E450 and the Sagemcom T210-D-r send.
  n('energy_in_t1', '1-0:1.8.1.255', 'kWh', 'energy', 'total_increasing'),
  n('energy_in_t2', '1-0:1.8.2.255', 'kWh', 'energy', 'total_increasing'),
  n('energy_out_t1', '1-0:2.8.1.255', 'kWh', 'energy', 'total_increasing'),
  n('energy_out_t2', '1-0:2.8.2.255', 'kWh', 'energy', 'total_increasing'),
];

export const VALUE_KEY_BY_OBIS: ReadonlyMap<string, ValueKeySpec> = new Map(
  VALUE_KEYS.filter((spec) => spec.obis !== undefined).map((spec) => [spec.obis as string, spec]),
);

/**
 * Power of ten from the meter's unit to the published one, and the unit assumed when the meter sends
 * no scaler/unit at all (the OBIS code's customary base unit).
 */
export const UNIT_CONVERSIONS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  // MWh, kvarh and kvar: DSMR text writes them; a DLMS unit enum has none of the three.
  kWh: { Wh: -3, kWh: 0, MWh: 3 },
  kvarh: { varh: -3, kvarh: 0 },
  W: { W: 0, kW: 3 },
  var: { var: 0, kvar: 3 },
  V: { V: 0 },
  A: { A: 0 },
};

export const BASE_UNIT: Readonly<Record<string, string>> = {
  kWh: 'Wh',
  kvarh: 'varh',
  W: 'W',
  var: 'var',
  V: 'V',
  A: 'A',
};
