import { cosemDateTimeText } from '../cosem/date-time.js';
import { parseObis } from '../cosem/obis.js';
import { AXDR, type DlmsValue } from '../dlms/axdr.js';

/**
 * Push lists that carry no OBIS codes: the meaning of each value is its place. They are recognised by
 * their shape alone (element count and A-XDR types, not the operator), and each place is given the OBIS
 * code it stands for, so that the meter model reads them through the same OBIS table and value keys as
 * every other layout (meter-model.ts). A place whose meaning no source states is not read at all.
 *
 *   - Wiener Netze customer interface (Iskraemeco AM550, L+G E450 on the IR port), 9 elements:
 *     {date-time, +A Wh, −A Wh, +R varh, −R varh, +P W, −P W, +Q var, −Q var}, every value a
 *     double-long-unsigned. Source: the annotated plaintext in rddl-network/EnergyAgent
 *     smart_meter_tests/legacy.py ("data string of WienerNetze explained", reading the IR interface of
 *     Wiener Netze), which reads these places as 1.8.0, 2.8.0, 3.8.0, 4.8.0 in Wh/varh and 1.7.0 … 4.7.0 in
 *     W/var; vectors 15, 17 and 18 in test/fixtures/vectors.json.
 *   - The Siemens IM350 at the same interface sends the same nine after its serial number (octet-string
 *     text), 10 elements (vector 16; same source). The serial is the meter number, 0-0:96.1.0.
 *   - Netz Burgenland L+G E450, 14 elements: U1, U2, U3 (long-unsigned, V), I1, I2, I3 (long-unsigned,
 *     0.01 A), +P, −P (double-long-unsigned, W), +A, −A (double-long-unsigned, Wh), three long-unsigned
 *     whose meaning no source states, and the meter number (octet-string text). Sources: amsreader-firmware
 *     LNG2.cpp / LNG2.h (struct Lng2Data_3p: u1–u3 as read, i1–i3 / 100.0, activeImport/activeExport as
 *     power, accumulated import/export / 1000.0 as kWh; its three fields `x, y, z` are not read there
 *     either), tosog/nbsm nbsm.py (the same places and scalers, for Netz Burgenland), and amsreader issue
 *     #501 ("U1-3, I1-3, active import/export W, accumulated import/export, meter ID"); vectors 13 and 14.
 *     amsreader's LNG2.h also has an 11-element variant without the three unknown values, read alike.
 */

/** The operator layout family, when a preset knows it: then only that family's shapes are tried. */
export type PositionalHint = 'wiener-netze' | 'netz-burgenland';

export type PositionalRegister = {
  readonly obis: Uint8Array;
  readonly value: DlmsValue;
  readonly scaler: number;
  /** COSEM unit enum (cosem/units.ts); undefined for text. */
  readonly unit: number | undefined;
};

/** What may stand at a place. */
type Kind = 'clock' | 'text' | 'u16' | 'u32';

type Place = {
  readonly kind: Kind;
  /** Undefined: the place is skipped (the clock, read by the model's walk; a value of unknown meaning). */
  readonly obis?: Uint8Array;
  readonly scaler?: number;
  readonly unit?: number;
};

type Layout = { readonly family: PositionalHint; readonly places: readonly Place[] };

const UNIT_W = 27;
const UNIT_VAR = 29;
const UNIT_WH = 30;
const UNIT_VARH = 32;
const UNIT_A = 33;
const UNIT_V = 35;

const code = (text: string): Uint8Array => parseObis(text) as Uint8Array;
const at = (kind: Kind, obis: string, unit: number | undefined, scaler = 0): Place => ({
  kind,
  obis: code(obis),
  scaler,
  ...(unit === undefined ? {} : { unit }),
});
const METER_NUMBER: Place = { kind: 'text', obis: code('0-0:96.1.0.255') };
const CLOCK: Place = { kind: 'clock' };
const UNKNOWN_U16: Place = { kind: 'u16' };

const WIENER_NETZE_VALUES: readonly Place[] = [
  at('u32', '1-0:1.8.0.255', UNIT_WH),
  at('u32', '1-0:2.8.0.255', UNIT_WH),
  at('u32', '1-0:3.8.0.255', UNIT_VARH),
  at('u32', '1-0:4.8.0.255', UNIT_VARH),
  at('u32', '1-0:1.7.0.255', UNIT_W),
  at('u32', '1-0:2.7.0.255', UNIT_W),
  at('u32', '1-0:3.7.0.255', UNIT_VAR),
  at('u32', '1-0:4.7.0.255', UNIT_VAR),
];

const BURGENLAND_MEASURED: readonly Place[] = [
  at('u16', '1-0:32.7.0.255', UNIT_V),
  at('u16', '1-0:52.7.0.255', UNIT_V),
  at('u16', '1-0:72.7.0.255', UNIT_V),
  at('u16', '1-0:31.7.0.255', UNIT_A, -2),
  at('u16', '1-0:51.7.0.255', UNIT_A, -2),
  at('u16', '1-0:71.7.0.255', UNIT_A, -2),
  at('u32', '1-0:1.7.0.255', UNIT_W),
  at('u32', '1-0:2.7.0.255', UNIT_W),
  at('u32', '1-0:1.8.0.255', UNIT_WH),
  at('u32', '1-0:2.8.0.255', UNIT_WH),
];

const LAYOUTS: readonly Layout[] = [
  { family: 'wiener-netze', places: [CLOCK, ...WIENER_NETZE_VALUES] },
  { family: 'wiener-netze', places: [METER_NUMBER, CLOCK, ...WIENER_NETZE_VALUES] },
  {
    family: 'netz-burgenland',
    places: [...BURGENLAND_MEASURED, UNKNOWN_U16, UNKNOWN_U16, UNKNOWN_U16, METER_NUMBER],
  },
  { family: 'netz-burgenland', places: [...BURGENLAND_MEASURED, METER_NUMBER] },
];

/**
 * The registers of a positional push list, or undefined when `body` has none of the known shapes (or not
 * the hinted family's). The shapes differ in element count or in the type at some place, so at most one
 * matches.
 */
export function positionalRegisters(
  body: DlmsValue,
  hint?: PositionalHint,
): readonly PositionalRegister[] | undefined {
  if (body.type !== 'structure') return undefined;
  const items = body.items;
  for (const layout of LAYOUTS) {
    if (hint !== undefined && layout.family !== hint) continue;
    if (layout.places.length !== items.length || !matches(layout.places, items)) continue;
    const registers: PositionalRegister[] = [];
    layout.places.forEach((place, i) => {
      if (place.obis === undefined) return;
      registers.push({
        obis: place.obis,
        value: items[i] as DlmsValue,
        scaler: place.scaler ?? 0,
        unit: place.unit,
      });
    });
    return registers;
  }
  return undefined;
}

function matches(places: readonly Place[], items: readonly DlmsValue[]): boolean {
  for (let i = 0; i < places.length; i++) {
    if (!fits((places[i] as Place).kind, items[i] as DlmsValue)) return false;
  }
  return true;
}

function fits(kind: Kind, item: DlmsValue): boolean {
  switch (kind) {
    case 'clock':
      return (
        (item.type === 'octet-string' || item.type === 'date-time') &&
        cosemDateTimeText(item.bytes) !== undefined
      );
    case 'text':
      return item.type === 'visible-string' || (item.type === 'octet-string' && isText(item.bytes));
    case 'u16':
      return item.type === 'integer' && item.tag === AXDR.longUnsigned;
    case 'u32':
      return item.type === 'integer' && item.tag === AXDR.doubleLongUnsigned;
  }
}

/** Printable ASCII, as meter numbers are; a date-time or binary octet-string is not one. */
function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}
