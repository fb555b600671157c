import { encodeT210dRApdu } from '../encode/dsmr-encoder.js';
import {
  encodeHdlcMeterTelegram,
  HDLC_LAYOUTS,
  type HdlcLayout,
  hdlcLayoutNeedsAuthKey,
} from '../encode/hdlc-meter-telegram.js';
import { encodeMeterTelegram } from '../encode/meter-telegram.js';
import { AMIS_HEADER, encodeAmisFrame } from '../encode/oms-encoder.js';
import { PUSH_LAYOUTS, type PushInput, type PushLayout, type TariffExtras } from '../encode/push-layouts.js';

/**
 * Every layout the simulator can send, and how one push of each goes on the line: M-Bus (KSM-West, EVN,
 * T210-D), HDLC (Wiener Netze, IM350, Netz Burgenland, E450 block transfer), the T210-D-r's bare
 * general-glo-ciphering APDU around a DSMR telegram, and the AMIS meter's OMS mode 5 frame.
 */

export type SimulatorLayout = PushLayout | HdlcLayout | 't210d-r-p1' | 'amis';
export const SIMULATOR_LAYOUTS: readonly SimulatorLayout[] = [
  ...PUSH_LAYOUTS,
  ...HDLC_LAYOUTS,
  't210d-r-p1',
  'amis',
];

export function isSimulatorLayout(text: string): text is SimulatorLayout {
  return (SIMULATOR_LAYOUTS as readonly string[]).includes(text);
}

/** Layouts whose meters send a GCM tag: they need the authentication key as well. */
export function needsAuthKey(layout: SimulatorLayout): boolean {
  if (layout === 't210d-r-p1') return true;
  return (HDLC_LAYOUTS as readonly string[]).includes(layout) && hdlcLayoutNeedsAuthKey(layout as HdlcLayout);
}

/** A system title of the layout's manufacturer (the FLAG id: KFM, SAG, ISK, SMS, LGZ); AMIS sends none. */
export const DEFAULT_TITLES: Readonly<Record<SimulatorLayout, string>> = {
  'ksm-west': '4B464D1020000001',
  'ksm-west-1phase': '4B464D1010000001',
  evn: '4B464D6750000001',
  t210d: '5341475905000001',
  'wiener-netze-am550': '49534B6974000001',
  im350: '534D536775000001',
  'burgenland-e450': '4C475A6772000001',
  'e450-gbt': '4C475A6773000001',
  't210d-r-p1': '5341473505000001',
  amis: '0000000000000000',
};

/** Meter numbers in each meter's own form. */
export const DEFAULT_METER_NUMBERS: Readonly<Record<SimulatorLayout, string>> = {
  'ksm-west': '1KFM0200000001',
  'ksm-west-1phase': '1KFM0200000001',
  evn: '181220000001',
  t210d: '181220000001',
  'wiener-netze-am550': '',
  im350: 'SMS1030000000001',
  'burgenland-e450': '30000001',
  'e450-gbt': '',
  't210d-r-p1': '253700001_A',
  amis: '',
};

export type SimulatedPush = {
  readonly input: PushInput;
  /** Tariff 2 shares, reactive power: what only some layouts send. */
  readonly extras: TariffExtras;
  readonly encryptionKey: Uint8Array;
  readonly authenticationKey: Uint8Array | undefined;
  readonly systemTitle: Uint8Array;
  readonly frameCounter: number;
  readonly invokeId: number;
};

/** The bytes of one push, frame by frame. */
export function encodeSimulatedPush(layout: SimulatorLayout, push: SimulatedPush): Uint8Array[] {
  const keys = {
    encryptionKey: push.encryptionKey,
    systemTitle: push.systemTitle,
    frameCounter: push.frameCounter,
  };
  switch (layout) {
    case 't210d-r-p1': {
      if (push.authenticationKey === undefined)
        throw new RangeError('the T210-D-r sends a GCM tag: it needs an authentication key');
      return [
        encodeT210dRApdu(push.input, { ...keys, authenticationKey: push.authenticationKey }, push.extras),
      ];
    }
    case 'amis': {
      const r = push.input.registers;
      const t = push.input.time;
      return [
        encodeAmisFrame(
          {
            time: {
              year: t.year,
              month: t.month,
              day: t.day,
              hour: t.hour,
              minute: t.minute,
              second: t.second,
            },
            energyIn: r.energyInWh,
            energyOut: r.energyOutWh,
            reactiveEnergyIn: r.reactiveEnergyInVarh,
            reactiveEnergyOut: r.reactiveEnergyOutVarh,
            powerIn: r.powerInW,
            powerOut: r.powerOutW,
            reactivePowerIn: push.extras.reactivePowerInVar ?? 0,
            reactivePowerOut: push.extras.reactivePowerOutVar ?? 0,
            register1128: 0,
          },
          push.encryptionKey,
          { ...AMIS_HEADER, accessNumber: push.frameCounter & 0xff },
        ),
      ];
    }
    case 'wiener-netze-am550':
    case 'im350':
    case 'burgenland-e450':
    case 'e450-gbt':
      return encodeHdlcMeterTelegram(
        layout,
        push.input,
        {
          ...keys,
          ...(push.authenticationKey === undefined ? {} : { authenticationKey: push.authenticationKey }),
          invokeId: push.invokeId,
        },
        push.extras,
      );
    default:
      return encodeMeterTelegram(layout, push.input, { ...keys, invokeId: push.invokeId });
  }
}
