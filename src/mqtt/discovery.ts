import { ERROR_CODES } from '../errors.js';
import { VALUE_KEYS, type ValueKey, type ValueKeySpec } from '../meter/value-keys.js';
import { type DiscoveryLanguage, discoveryObjectId, VALUE_NAMES } from '../meter/value-names.js';
import { VERSION } from '../version.js';
import { type DiagnosticName, diagnosticTopic, stateTopic, statusTopic } from './topics.js';

/**
 * Home Assistant MQTT device-based discovery (Home Assistant's MQTT integration documentation): one retained config per meter at
 * `<discovery prefix>/device/<object id>/config` with a component per value the meter actually sends.
 * Pure: the same meter and values always give the same payload, so re-sending it is harmless.
 */

/**
 * The project's home: `origin.support_url` here, `url` in config.yaml and repository.yaml
 * (test/addon/addon-files.test.ts holds the three equal).
 */
export const SUPPORT_URL = 'https://github.com/smartmeter-bridge/smartmeter-bridge';

/** What Home Assistant and the Supervisor tell the bridge about where it runs, beyond the meter's telegrams. */
export type DiscoveryContext = {
  /** The entity names' language. Entity ids do not depend on it (`default_entity_id`). */
  readonly language?: DiscoveryLanguage | undefined;
  /** The device page's "Visit" link: in the add-on, its ingress page (`homeassistant://hassio/ingress/<slug>`). */
  readonly configurationUrl?: string | undefined;
};

export type DiscoveryInput = DiscoveryContext & {
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  readonly meterId: string;
  readonly systemTitle: string | undefined;
  readonly deviceName: string | undefined;
  readonly keys: readonly ValueKey[];
  readonly expireAfterS: number;
  /**
   * The meter's firmware, for `device.sw_version`. None of the supported meters sends one in its push (no
   * 1-0:0.2.0 or 0-0:0.2.0 register in any layout or capture), so the bridge passes none today.
   */
  readonly firmware?: string | undefined;
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
  energy_in_t1: 3,
  energy_in_t2: 3,
  energy_out_t1: 3,
  energy_out_t2: 3,
};

/** Rarely wanted in a dashboard: created, but disabled until the user turns them on. */
const DISABLED_BY_DEFAULT: ReadonlySet<ValueKey> = new Set([
  'reactive_energy_in',
  'reactive_energy_out',
  'reactive_power_in',
  'reactive_power_out',
]);

const DIAGNOSTIC_NAMES: Readonly<Record<DiagnosticName, { readonly en: string; readonly de: string }>> = {
  telegrams_received: { en: 'Telegrams received', de: 'Empfangene Telegramme' },
  telegrams_rejected: { en: 'Telegrams rejected', de: 'Verworfene Telegramme' },
  last_error: { en: 'Last error', de: 'Letzter Fehler' },
  frame_counter: { en: 'Frame counter', de: 'Rahmenzähler' },
};

/** What `last_error` can say: an error code of errors.ts, or `none` before the first error. */
export const LAST_ERROR_OPTIONS: readonly string[] = [...ERROR_CODES, 'none'];

/**
 * The model part of a COSEM logical device name (0-0:42.0.0): three letters of manufacturer (the FLAG id)
 * and the manufacturer's model code, with the serial number that follows taken off. Kaifa writes
 * `KFM` + model + the meter number's last ten digits (`KFM1200200175269` for meter `1KFM0200175269` →
 * `KFM120`), so what the name shares at its end with the meter number is the serial. Undefined when that
 * cannot be told: a string holding the serial number is no model.
 */
export function modelIdOf(deviceName: string | undefined, meterId: string): string | undefined {
  if (deviceName === undefined) return undefined;
  let shared = 0;
  while (
    shared < deviceName.length &&
    shared < meterId.length &&
    deviceName[deviceName.length - 1 - shared] === meterId[meterId.length - 1 - shared]
  ) {
    shared++;
  }
  const model = deviceName.slice(0, deviceName.length - shared);
  // At least six shared characters make it the serial, not a coincidence; at least the FLAG id must remain.
  if (shared < 6 || !/^[A-Z]{3}[A-Za-z0-9]*$/.test(model)) return undefined;
  return model;
}

export function manufacturerOf(systemTitle: string | undefined): string | undefined {
  if (systemTitle === undefined) return undefined;
  const flag = Buffer.from(systemTitle.slice(0, 6), 'hex').toString('latin1');
  return MANUFACTURERS[flag];
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
  const modelId = modelIdOf(input.deviceName, input.meterId);
  const payload = {
    device: {
      identifiers,
      name: `Smart meter ${input.meterId}`,
      ...(manufacturer === undefined ? {} : { manufacturer }),
      model: manufacturer === undefined ? 'DLMS/COSEM smart meter' : `${manufacturer} smart meter`,
      ...(modelId === undefined ? {} : { model_id: modelId }),
      serial_number: input.meterId,
      ...(input.firmware === undefined ? {} : { sw_version: input.firmware }),
      ...(input.configurationUrl === undefined ? {} : { configuration_url: input.configurationUrl }),
    },
    origin: { name: 'smartmeter-bridge', sw_version: VERSION, support_url: SUPPORT_URL },
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
    name: VALUE_NAMES[spec.key][input.language ?? 'en'],
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
    name: DIAGNOSTIC_NAMES[name][input.language ?? 'en'],
    state_topic: diagnosticTopic(input.topicPrefix, name),
    entity_category: 'diagnostic',
    ...(counter ? { state_class: 'total_increasing' } : {}),
    // An enum, so that automations can test for a code (and the UI offers the codes in a condition).
    ...(name === 'last_error' ? { device_class: 'enum', options: LAST_ERROR_OPTIONS } : {}),
    ...(name === 'frame_counter' ? { enabled_by_default: false } : {}),
  };
}
