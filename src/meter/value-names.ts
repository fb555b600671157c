import type { ValueKey } from './value-keys.js';

/**
 * What each value is called where a person reads it: the English name is the Home Assistant entity's
 * name (discovery), and the web page shows the German one to German browsers. "Import" is what the
 * household draws from the grid (Bezug), "export" what it feeds in (Einspeisung).
 */
export const VALUE_NAMES: Readonly<Record<ValueKey, { readonly en: string; readonly de: string }>> = {
  energy_in: { en: 'Energy import', de: 'Energie Bezug' },
  energy_out: { en: 'Energy export', de: 'Energie Einspeisung' },
  reactive_energy_in: { en: 'Reactive energy import', de: 'Blindenergie Bezug' },
  reactive_energy_out: { en: 'Reactive energy export', de: 'Blindenergie Einspeisung' },
  power_in: { en: 'Power import', de: 'Leistung Bezug' },
  power_out: { en: 'Power export', de: 'Leistung Einspeisung' },
  power: { en: 'Power', de: 'Leistung' },
  reactive_power_in: { en: 'Reactive power import', de: 'Blindleistung Bezug' },
  reactive_power_out: { en: 'Reactive power export', de: 'Blindleistung Einspeisung' },
  voltage_l1: { en: 'Voltage L1', de: 'Spannung L1' },
  voltage_l2: { en: 'Voltage L2', de: 'Spannung L2' },
  voltage_l3: { en: 'Voltage L3', de: 'Spannung L3' },
  current_l1: { en: 'Current L1', de: 'Strom L1' },
  current_l2: { en: 'Current L2', de: 'Strom L2' },
  current_l3: { en: 'Current L3', de: 'Strom L3' },
  power_factor: { en: 'Power factor', de: 'Leistungsfaktor' },
  meter_id: { en: 'Meter number', de: 'Zählernummer' },
  device_name: { en: 'Logical device name', de: 'Logischer Gerätename' },
  energy_in_t1: { en: 'Energy import tariff 1', de: 'Energie Bezug Tarif 1' },
  energy_in_t2: { en: 'Energy import tariff 2', de: 'Energie Bezug Tarif 2' },
  energy_out_t1: { en: 'Energy export tariff 1', de: 'Energie Einspeisung Tarif 1' },
  energy_out_t2: { en: 'Energy export tariff 2', de: 'Energie Einspeisung Tarif 2' },
};

/** The languages entity names are published in; Home Assistant's own language picks one (see discoveryLanguage). */
export type DiscoveryLanguage = 'en' | 'de';

/** Home Assistant's language (`get_config` → `language`, e.g. `de`, `de-AT`, `en-GB`) → the names to publish. */
export function discoveryLanguage(haLanguage: string | undefined): DiscoveryLanguage {
  return /^de(-|_|$)/i.test(haLanguage ?? '') ? 'de' : 'en';
}

/**
 * The meter's object id in Home Assistant, `smartmeter_<meter number>`: its discovery topic and device
 * identifier, and the start of its entities' unique ids (by which the Home Assistant side finds them).
 */
export function discoveryObjectId(meterId: string): string {
  return `smartmeter_${slug(meterId)}`;
}

/** `[a-zA-Z0-9_-]` only in topic ids; lower-case and `_` in entity ids. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
