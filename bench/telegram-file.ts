import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeMeterTelegram } from '../src/encode/meter-telegram.js';
import { PUSH_LAYOUTS, type PushInput } from '../src/encode/push-layouts.js';

/** A capture file of `count` telegrams from all four layouts, as a meter would have sent them. */
export const BENCH_KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');

export function writeTelegramFile(path: string, count: number): { bytes: number } {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const layout = PUSH_LAYOUTS[i % PUSH_LAYOUTS.length] ?? 'ksm-west';
    const input: PushInput = {
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
    frames.push(
      ...encodeMeterTelegram(layout, input, {
        encryptionKey: BENCH_KEY,
        systemTitle: Buffer.from('4B464D102002ACA5', 'hex'),
        frameCounter: 1000 + i,
        invokeId: i,
      }),
    );
  }
  const data = Buffer.concat(frames);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return { bytes: data.length };
}
