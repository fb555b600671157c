import type { ValueKey } from '../meter/value-keys.js';

/**
 * Topic names. `<prefix>/<key>` with the plain number in the unit of meter/value-keys.ts is what the project this
 * one replaces published (prefix `home/smart_meter`, power_in/power_out in W as its README's YAML
 * declares), and its users' automations read them, so names and units stay.
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
