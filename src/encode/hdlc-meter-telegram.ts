import { encodeAxdr } from './axdr-encoder.js';
import { encodeE450GbtBody } from './e450-gbt-push.js';
import { encodeHdlcGbt } from './gbt-encoder.js';
import { encodeHdlcApdu } from './hdlc-frame-encoder.js';
import { encodePositionalBody, type PositionalExtras, type PositionalLayout } from './positional-push.js';
import { encodeCosemDateTime, type PushInput, type TariffExtras } from './push-layouts.js';
import { encodeDataNotification, encodeGloCiphering } from './telegram-encoder.js';

/**
 * One whole push of an HDLC meter, as it goes on the line: data-notification → general-glo-ciphering →
 * HDLC frames (with general block transfer for the E450's `e450-gbt`). Addresses, security and framing as
 * in the real captures (vectors 13–20, test/fixtures/vectors.json).
 */

export type HdlcLayout = PositionalLayout | 'e450-gbt';
export const HDLC_LAYOUTS: readonly HdlcLayout[] = [
  'wiener-netze-am550',
  'im350',
  'burgenland-e450',
  'e450-gbt',
];

type HdlcTransport = {
  readonly destination: Uint8Array;
  readonly source: Uint8Array;
  /** 0x20: encrypted; 0x30: encrypted with a GCM tag, which needs the authentication key. */
  readonly securityControl: number;
  readonly blockTransfer: boolean;
};

const AM550 = { destination: Uint8Array.of(0xcf), source: Uint8Array.of(0x02, 0x23) };
const LGZ = { destination: Uint8Array.of(0xce, 0xff), source: Uint8Array.of(0x03) };

export const HDLC_LAYOUT_TRANSPORT: Readonly<Record<HdlcLayout, HdlcTransport>> = {
  'wiener-netze-am550': { ...AM550, securityControl: 0x20, blockTransfer: false },
  im350: {
    destination: Uint8Array.of(0xcf),
    source: Uint8Array.of(0x00, 0x02, 0x00, 0x23),
    securityControl: 0x20,
    blockTransfer: false,
  },
  'burgenland-e450': { ...LGZ, securityControl: 0x30, blockTransfer: false },
  'e450-gbt': { ...LGZ, securityControl: 0x30, blockTransfer: true },
};

/** Whether the layout's meter sends a GCM tag, so that the simulator needs an authentication key for it. */
export function hdlcLayoutNeedsAuthKey(layout: HdlcLayout): boolean {
  return HDLC_LAYOUT_TRANSPORT[layout].securityControl === 0x30;
}

export type HdlcTelegramOptions = {
  readonly encryptionKey: Uint8Array;
  readonly authenticationKey?: Uint8Array;
  readonly systemTitle: Uint8Array;
  readonly frameCounter: number;
  readonly invokeId: number;
};

/** The positional meters fit a push into one frame: room enough for the longest, the IM350's 123 bytes. */
const SINGLE_FRAME_INFORMATION = 256;

export function encodeHdlcMeterTelegram(
  layout: HdlcLayout,
  input: PushInput,
  options: HdlcTelegramOptions,
  extras: PositionalExtras & TariffExtras = {},
): Uint8Array[] {
  const transport = HDLC_LAYOUT_TRANSPORT[layout];
  const body =
    layout === 'e450-gbt' ? encodeE450GbtBody(input, extras) : encodePositionalBody(layout, input, extras);
  const plaintext = encodeDataNotification(
    options.invokeId >>> 0,
    encodeCosemDateTime(input.time),
    encodeAxdr(body),
  );
  const apdu = encodeGloCiphering({
    systemTitle: options.systemTitle,
    frameCounter: options.frameCounter,
    securityControl: transport.securityControl,
    encryptionKey: options.encryptionKey,
    ...(options.authenticationKey === undefined ? {} : { authenticationKey: options.authenticationKey }),
    plaintext,
  });
  const addressing = { destination: transport.destination, source: transport.source };
  return transport.blockTransfer
    ? encodeHdlcGbt(apdu, addressing)
    : encodeHdlcApdu(apdu, { ...addressing, maxInformation: SINGLE_FRAME_INFORMATION });
}
