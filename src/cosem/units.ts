/** COSEM physical units (IEC 62056-6-2 Table "unit"), the ones electricity meters use. */
const UNITS: Readonly<Record<number, string>> = {
  7: 's',
  8: '°',
  9: '°C',
  22: 'kW',
  23: 'kWh',
  27: 'W',
  28: 'VA',
  29: 'var',
  30: 'Wh',
  31: 'VAh',
  32: 'varh',
  33: 'A',
  34: 'C',
  35: 'V',
  44: 'Hz',
  45: '1/(Wh)',
  46: '1/(varh)',
  47: '1/(VAh)',
  56: '%',
};

/** 255 means "no unit" (a count or a ratio such as the power factor). */
export const UNIT_NONE = 255;

/** The same, by index: a lookup per register of every telegram. */
const UNIT_TABLE: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, unit) => UNITS[unit]);

export function unitSymbol(unit: number): string | undefined {
  return unit >= 0 && unit < UNIT_TABLE.length ? UNIT_TABLE[unit] : UNITS[unit];
}
