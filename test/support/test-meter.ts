import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { LocalTime, MeterRegisters } from '../../src/encode/push-layouts.js';
import { concatBytes, hex } from './vectors.js';

/**
 * One made-up meter for tests that need telegrams of their own (not the published captures): a test key, a
 * Kaifa system title, and the telegram it sends with a given frame counter, its clock counting seconds with it.
 */

export const TEST_KEY = hex('000102030405060708090A0B0C0D0E0F');
export const TEST_SYSTEM_TITLE = hex('4B464D1020000042');

export const testRegisters = (energyInWh: number, powerInW: number): MeterRegisters => ({
  energyInWh,
  energyOutWh: 500,
  reactiveEnergyInVarh: 1,
  reactiveEnergyOutVarh: 2,
  powerInW,
  powerOutW: 0,
  voltageDecivolts: [2301, 2302, 2303],
  currentCentiamps: [101, 102, 103],
  powerFactorMilli: 990,
});

export function testTelegram(
  frameCounter: number,
  registers: MeterRegisters = testRegisters(5_000_000, 100),
  layout: 'ksm-west' | 'evn' = 'ksm-west',
): Uint8Array {
  return concatBytes(
    encodeMeterTelegram(
      layout,
      {
        time: {
          year: 2026,
          month: 11,
          day: 24,
          hour: 10,
          minute: 0,
          second: frameCounter % 60,
          utcOffsetMinutes: 60,
        },
        meterNumber: '1KFM0200000042',
        deviceName: 'KFM1200200000042',
        registers,
      },
      { encryptionKey: TEST_KEY, systemTitle: TEST_SYSTEM_TITLE, frameCounter, invokeId: frameCounter },
    ),
  );
}

/** The meter's clock reading at instant `utcMs` in a zone `offsetMinutes` east of UTC (120: Austrian summer time). */
export function meterClock(utcMs: number, offsetMinutes: number): LocalTime {
  const local = new Date(utcMs + offsetMinutes * 60_000);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    utcOffsetMinutes: offsetMinutes,
  };
}
