import { VALUE_KEYS, type ValueKey, type ValueKeySpec } from '../meter/value-keys.js';
import { VALUE_NAMES } from '../meter/value-names.js';
import { VERSION } from '../version.js';
import { type DiagnosticName, diagnosticTopic, stateTopic, statusTopic } from './topics.js';

/**
 * Home Assistant MQTT device-based discovery (home-assistant.md §2.2): one retained config per meter at
 * `<discovery prefix>/device/<object id>/config` with a component per value the meter actually sends.
 * Pure: the same meter and values always give the same payload, so re-sending it is harmless.
 */

export type DiscoveryInput = {
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  readonly meterId: string;
  readonly systemTitle: string | undefined;
  readonly deviceName: string | undefined;
  readonly keys: readonly ValueKey[];
  readonly expireAfterS: number;
};

export type DiscoveryMessage = { readonly topic: string; readonly payload: string };

const MANUFACTURERS: Readonly<Record<string, string>> = {
  KFM: 'Kaifa',
  SAG: 'Sagemcom',
  ELS: 'Honeywell Elster',
  ISK: 'Iskraemeco',
  LGZ: 'Landis+Gyr',
  SMS: 'Siemens',
};

const PRECISION: Partial<Record<ValueKey, number>> = {
  energy_in: 3,
  energy_out: 3,
  reactive_energy_in: 3,
  reactive_energy_out: 3,
  power_in: 0,
  power_out: 0,
  power: 0,
  voltage_l1: 1,
  voltage_l2: 1,
  voltage_l3: 1,
  current_l1: 2,
  current_l2: 2,
  current_l3: 2,
  power_factor: 3,
};

/** Rarely wanted in a dashboard: created, but disabled until the user turns them on. */
const DISABLED_BY_DEFAULT: ReadonlySet<ValueKey> = new Set([
  'reactive_energy_in',
  'reactive_energy_out',
  'reactive_power_in',
  'reactive_power_out',
]);

const DIAGNOSTIC_NAMES: Readonly<Record<DiagnosticName, string>> = {
  telegrams_received: 'Telegrams received',
  telegrams_rejected: 'Telegrams rejected',
  last_error: 'Last error',
  frame_counter: 'Frame counter',
};

/** `[a-zA-Z0-9_-]` only in topic ids; lower-case and `_` in entity ids. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function manufacturerOf(systemTitle: string | undefined): string | undefined {
  if (systemTitle === undefined) return undefined;
  const flag = Buffer.from(systemTitle.slice(0, 6), 'hex').toString('latin1');
  return MANUFACTURERS[flag];
}

export function discoveryObjectId(meterId: string): string {
  return `smartmeter_${slug(meterId)}`;
}

export function buildDiscovery(input: DiscoveryInput): DiscoveryMessage {
  const objectId = discoveryObjectId(input.meterId);
  const manufacturer = manufacturerOf(input.systemTitle);
  const identifiers = [
    objectId,
    ...(input.systemTitle === undefined ? [] : [`dlms_${input.systemTitle.toLowerCase()}`]),
  ];
  const components: Record<string, Record<string, unknown>> = {};
  const present = new Set(input.keys);
  for (const spec of VALUE_KEYS) {
    if (present.has(spec.key)) components[spec.key] = valueComponent(input, objectId, spec);
  }
  for (const name of Object.keys(DIAGNOSTIC_NAMES) as DiagnosticName[]) {
    components[name] = diagnosticComponent(input, objectId, name);
  }
  const payload = {
    device: {
      identifiers,
      name: `Smart meter ${input.meterId}`,
      ...(manufacturer === undefined ? {} : { manufacturer }),
      model: manufacturer === undefined ? 'DLMS/COSEM smart meter' : `${manufacturer} smart meter`,
      ...(input.deviceName === undefined ? {} : { model_id: input.deviceName }),
      serial_number: input.meterId,
    },
    origin: { name: 'smartmeter-bridge', sw_version: VERSION },
    availability_topic: statusTopic(input.topicPrefix),
    components,
  };
  return { topic: `${input.discoveryPrefix}/device/${objectId}/config`, payload: JSON.stringify(payload) };
}

function valueComponent(
  input: DiscoveryInput,
  objectId: string,
  spec: ValueKeySpec,
): Record<string, unknown> {
  const unit = spec.unit;
  const precision = PRECISION[spec.key];
  return {
    platform: 'sensor',
    unique_id: `${objectId}_${spec.key}`,
    default_entity_id: `sensor.${objectId}_${spec.key}`,
    name: VALUE_NAMES[spec.key].en,
    state_topic: stateTopic(input.topicPrefix, spec.key),
    ...(spec.deviceClass === undefined ? {} : { device_class: spec.deviceClass }),
    ...(spec.stateClass === undefined ? {} : { state_class: spec.stateClass }),
    ...(unit === undefined ? {} : { unit_of_measurement: unit }),
    ...(precision === undefined ? {} : { suggested_display_precision: precision }),
    ...(spec.kind === 'text' ? { entity_category: 'diagnostic' } : { expire_after: input.expireAfterS }),
    ...(DISABLED_BY_DEFAULT.has(spec.key) ? { enabled_by_default: false } : {}),
  };
}

function diagnosticComponent(
  input: DiscoveryInput,
  objectId: string,
  name: DiagnosticName,
): Record<string, unknown> {
  const counter = name === 'telegrams_received' || name === 'telegrams_rejected';
  return {
    platform: 'sensor',
    unique_id: `${objectId}_${name}`,
    default_entity_id: `sensor.${objectId}_${name}`,
    name: DIAGNOSTIC_NAMES[name],
    state_topic: diagnosticTopic(input.topicPrefix, name),
    entity_category: 'diagnostic',
    ...(counter ? { state_class: 'total_increasing' } : {}),
    ...(name === 'frame_counter' ? { enabled_by_default: false } : {}),
  };
}
