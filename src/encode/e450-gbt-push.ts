import { parseObis } from '../cosem/obis.js';
import { AXDR, type DlmsValue } from '../dlms/axdr.js';
import { encodeCosemDateTime, type PushInput, type TariffExtras } from './push-layouts.js';

/**
 * The Landis+Gyr E450's block-transfer push (vectors 19 and 20, test/fixtures/vectors.json): its clock, then
 * sixteen flat OBIS/value pairs without scaler or unit — for each of +A, −A, +R, −R the total, tariff 1,
 * tariff 2 (Wh/varh) and the power (W/var).
 */

const u32 = (value: number): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value });
const obis = (text: string): DlmsValue => ({ type: 'octet-string', bytes: parseObis(text) as Uint8Array });

export function encodeE450GbtBody(input: PushInput, extras: TariffExtras = {}): DlmsValue {
  const r = input.registers;
  const quantity = (c: number, total: number, t2: number, power: number): DlmsValue[] => {
    const second = Math.min(total, t2);
    return [
      [`1-0:${c}.8.0.255`, total],
      [`1-0:${c}.8.1.255`, total - second],
      [`1-0:${c}.8.2.255`, second],
      [`1-0:${c}.7.0.255`, power],
    ].flatMap(([code, value]) => [obis(code as string), u32(value as number)]);
  };
  return {
    type: 'structure',
    items: [
      { type: 'octet-string', bytes: encodeCosemDateTime(input.time) },
      ...quantity(1, r.energyInWh, extras.energyInT2Wh ?? 0, r.powerInW),
      ...quantity(2, r.energyOutWh, extras.energyOutT2Wh ?? 0, r.powerOutW),
      ...quantity(
        3,
        r.reactiveEnergyInVarh,
        extras.reactiveEnergyInT2Varh ?? 0,
        extras.reactivePowerInVar ?? 0,
      ),
      ...quantity(
        4,
        r.reactiveEnergyOutVarh,
        extras.reactiveEnergyOutT2Varh ?? 0,
        extras.reactivePowerOutVar ?? 0,
      ),
    ],
  };
}
