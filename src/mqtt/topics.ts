import type { ValueKey } from '../meter/value-keys.js';

/**
 * Topic names. `<prefix>/<key>` with the plain number is what the project this one replaces published
 * (prefix `home/smart_meter`), and its users' automations read them, so names and units stay.
 */

export const DEFAULT_TOPIC_PREFIX = 'home/smart_meter';

export const stateTopic = (prefix: string, key: ValueKey): string => `${prefix}/${key}`;
export const jsonTopic = (prefix: string): string => `${prefix}/json`;
export const statusTopic = (prefix: string): string => `${prefix}/status`;
export const diagnosticTopic = (prefix: string, name: DiagnosticName): string =>
  `${prefix}/diagnostics/${name}`;

export type DiagnosticName = 'telegrams_received' | 'telegrams_rejected' | 'last_error' | 'frame_counter';
export const DIAGNOSTICS: readonly DiagnosticName[] = [
  'telegrams_received',
  'telegrams_rejected',
  'last_error',
  'frame_counter',
];

/**
 * The old project published power_in/power_out in kW (W / 1000); every other key already has the unit of
 * design.md. The unit a state topic carries, and the conversion from the telegram's value.
 */
const LEGACY_KILO: ReadonlySet<ValueKey> = new Set(['power_in', 'power_out']);

export function stateTopicUnit(key: ValueKey, designUnit: string | undefined): string | undefined {
  return LEGACY_KILO.has(key) ? 'kW' : designUnit;
}

export function stateTopicValue(key: ValueKey, value: number | string): string {
  if (typeof value === 'number' && LEGACY_KILO.has(key)) return String(value / 1000);
  return String(value);
}
