import { AXDR, type DlmsValue } from '../dlms/axdr.js';
import { encodeCosemDateTime, type PushInput } from './push-layouts.js';

/**
 * The positional push lists (no OBIS codes) as the meters send them, in reverse of
 * src/meter/positional-layouts.ts; element for element the layouts of vectors 13–18
 * (test/fixtures/vectors.json).
 *
 *   - `wiener-netze-am550`: {date-time, +A Wh, −A Wh, +R varh, −R varh, +P W, −P W, +Q var, −Q var}, the
 *     Iskraemeco AM550 and the L+G E450 at Wiener Netze's IR interface;
 *   - `im350`: the same after the meter's serial number (octet-string text), the Siemens IM350;
 *   - `burgenland-e450`: {U1–U3 V, I1–I3 0.01 A, +P W, −P W, +A Wh, −A Wh, three values of unknown meaning,
 *     meter number}, Netz Burgenland's L+G E450.
 */

export type PositionalLayout = 'wiener-netze-am550' | 'im350' | 'burgenland-e450';

/** What PushInput's registers lack and these meters send. */
export type PositionalExtras = {
  readonly reactivePowerInVar?: number;
  readonly reactivePowerOutVar?: number;
  /** The Burgenland E450's three values of unknown meaning; BURGENLAND_UNKNOWN without. */
  readonly unknown?: readonly [number, number, number];
};

/**
 * The three long-unsigned values the Burgenland E450 sends after −A: their meaning is not known (amsreader's
 * LNG2.h calls them x, y, z and reads none), so the decoder ignores them; these are the ones vector 13 sent.
 */
export const BURGENLAND_UNKNOWN: readonly [number, number, number] = [400, 53, 295];

const u16 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.longUnsigned, value });
const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });
const octets = (bytes: Uint8Array): DlmsValue => ({ type: 'octet-string', bytes });
const ascii = (text: string): DlmsValue => octets(Buffer.from(text, 'latin1'));

export function encodePositionalBody(
  layout: PositionalLayout,
  input: PushInput,
  extras: PositionalExtras = {},
): DlmsValue {
  const r = input.registers;
  if (layout === 'burgenland-e450') {
    // The E450 sends whole volts: the decivolts are rounded.
    const volts = r.voltageDecivolts.map((dv) => u16(Math.round(dv / 10)));
    return {
      type: 'structure',
      items: [
        ...volts,
        ...r.currentCentiamps.map(u16),
        u32(r.powerInW),
        u32(r.powerOutW),
        u32(r.energyInWh),
        u32(r.energyOutWh),
        ...(extras.unknown ?? BURGENLAND_UNKNOWN).map(u16),
        ascii(input.meterNumber),
      ],
    };
  }
  const nine = [
    octets(encodeCosemDateTime(input.time)),
    u32(r.energyInWh),
    u32(r.energyOutWh),
    u32(r.reactiveEnergyInVarh),
    u32(r.reactiveEnergyOutVarh),
    u32(r.powerInW),
    u32(r.powerOutW),
    u32(extras.reactivePowerInVar ?? 0),
    u32(extras.reactivePowerOutVar ?? 0),
  ];
  return { type: 'structure', items: layout === 'im350' ? [ascii(input.meterNumber), ...nine] : nine };
}
