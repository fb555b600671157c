import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeAxdr } from '../src/encode/axdr-encoder.js';
import { E450_MAX_INFORMATION, encodeHdlcGbt } from '../src/encode/gbt-encoder.js';
import { encodeHdlcApdu } from '../src/encode/hdlc-frame-encoder.js';
import { encodeMeterTelegram } from '../src/encode/meter-telegram.js';
import {
  encodeCosemDateTime,
  encodePushBody,
  LAYOUT_TRANSPORT,
  PUSH_LAYOUTS,
  type PushInput,
} from '../src/encode/push-layouts.js';
import { encodeDataNotification, encodeGloCiphering } from '../src/encode/telegram-encoder.js';

/** A capture file of `count` telegrams from all four layouts, as a meter would have sent them. */
export const BENCH_KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const SYSTEM_TITLE = Buffer.from('4B464D102002ACA5', 'hex');

/**
 * The framings the decoder reads, each around the same ciphered APDUs, so that a difference in throughput is
 * the framing's: M-Bus (the layouts' own segments), HDLC with each APDU in one frame (as the AM550 sends),
 * and HDLC with general block transfer (the E450's blocks of one frame each).
 */
export const BENCH_FRAMINGS = ['mbus', 'hdlc', 'hdlc+gbt'] as const;
export type BenchFraming = (typeof BENCH_FRAMINGS)[number];

function pushInput(i: number): PushInput {
  return {
    time: {
      year: 2026,
      month: 11,
      day: 24,
      hour: 12,
      minute: Math.floor(i / 12) % 60,
      second: (i * 5) % 60,
      utcOffsetMinutes: 60,
    },
    meterNumber: '1KFM0200175269',
    deviceName: 'KFM1200200175269',
    registers: {
      energyInWh: 3_744_082 + i,
      energyOutWh: 3_929_988 + 2 * i,
      reactiveEnergyInVarh: 13_445,
      reactiveEnergyOutVarh: 1_313_360,
      powerInW: 500 + (i % 700),
      powerOutW: 0,
      voltageDecivolts: [2330, 2328, 2327],
      currentCentiamps: [31 + (i % 50), 52, 21],
      powerFactorMilli: 990,
    },
  };
}

function telegramFrames(framing: BenchFraming, i: number): Uint8Array[] {
  const layout = PUSH_LAYOUTS[i % PUSH_LAYOUTS.length] ?? 'ksm-west';
  const input = pushInput(i);
  const options = {
    encryptionKey: BENCH_KEY,
    systemTitle: SYSTEM_TITLE,
    frameCounter: 1000 + i,
    invokeId: i,
  };
  if (framing === 'mbus') return encodeMeterTelegram(layout, input, options);
  // The same APDU encodeMeterTelegram builds, before it is cut into M-Bus segments.
  const transport = LAYOUT_TRANSPORT[layout];
  const invoke = ((options.invokeId & 0x00ffffff) | (transport.invokeIdHighBit ? 0x80000000 : 0)) >>> 0;
  const apdu = encodeGloCiphering({
    ...options,
    securityControl: transport.securityControl,
    plaintext: encodeDataNotification(
      invoke,
      encodeCosemDateTime(input.time),
      encodeAxdr(encodePushBody(layout, input)),
    ),
  });
  return framing === 'hdlc'
    ? encodeHdlcApdu(apdu, { maxInformation: 2000 })
    : encodeHdlcGbt(apdu, { maxInformation: E450_MAX_INFORMATION });
}

export function writeTelegramFile(
  path: string,
  count: number,
  framing: BenchFraming = 'mbus',
): { bytes: number; frames: number } {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) frames.push(...telegramFrames(framing, i));
  const data = Buffer.concat(frames);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return { bytes: data.length, frames: frames.length };
}
