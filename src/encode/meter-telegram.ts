import { encodeAxdr } from './axdr-encoder.js';
import {
  encodeCosemDateTime,
  encodePushBody,
  LAYOUT_TRANSPORT,
  type PushInput,
  type PushLayout,
} from './push-layouts.js';
import { encodeDataNotification, encodeGloCiphering, encodeMbusSegments } from './telegram-encoder.js';

/** One whole push telegram as a meter of the given layout sends it: the M-Bus frames, in order. */

export type TelegramOptions = {
  readonly encryptionKey: Uint8Array;
  readonly systemTitle: Uint8Array;
  readonly frameCounter: number;
  readonly invokeId: number;
};

export function encodeMeterTelegram(
  layout: PushLayout,
  input: PushInput,
  options: TelegramOptions,
): Uint8Array[] {
  const transport = LAYOUT_TRANSPORT[layout];
  const invoke = ((options.invokeId & 0x00ffffff) | (transport.invokeIdHighBit ? 0x80000000 : 0)) >>> 0;
  const plaintext = encodeDataNotification(
    invoke,
    encodeCosemDateTime(input.time),
    encodeAxdr(encodePushBody(layout, input)),
  );
  const apdu = encodeGloCiphering({
    systemTitle: options.systemTitle,
    frameCounter: options.frameCounter,
    securityControl: transport.securityControl,
    encryptionKey: options.encryptionKey,
    plaintext,
  });
  return encodeMbusSegments(apdu, transport.segmentSize);
}
