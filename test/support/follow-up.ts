import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { MeterRegisters } from '../../src/encode/push-layouts.js';
import { meterClock } from './test-meter.js';
import { concatBytes, hex, type Vector } from './vectors.js';

/**
 * The telegram a real meter sends `later` × 5 s after a captured one: same system title and key, frame
 * counter + `later`, the same registers. The bridge publishes a meter's first total only once two more
 * telegrams continue it (and its meter number once a second telegram confirms it), so a test that checks
 * what a real capture publishes sends these after it. The registers
 * are the vector's `expected` values, read from the fixture, not from our decoder.
 */
export function followUpOf(v: Vector, later = 1): Uint8Array {
  const reg = (obis: string): number => {
    const entry = Object.entries(v.expected ?? {}).find(([key]) => key.startsWith(obis));
    const value = entry?.[1] as { raw?: number } | undefined;
    if (typeof value?.raw !== 'number') throw new Error(`vector ${v.index} has no raw ${obis}`);
    return value.raw;
  };
  const text = (obis: string): string => {
    const entry = Object.entries(v.expected ?? {}).find(([key]) => key.startsWith(obis));
    if (typeof entry?.[1] !== 'string') throw new Error(`vector ${v.index} has no ${obis}`);
    return entry[1];
  };
  const registers: MeterRegisters = {
    energyInWh: reg('1-0:1.8.0'),
    energyOutWh: reg('1-0:2.8.0'),
    reactiveEnergyInVarh: reg('1-0:3.8.0'),
    reactiveEnergyOutVarh: reg('1-0:4.8.0'),
    powerInW: reg('1-0:1.7.0'),
    powerOutW: reg('1-0:2.7.0'),
    voltageDecivolts: [reg('1-0:32.7.0'), reg('1-0:52.7.0'), reg('1-0:72.7.0')],
    currentCentiamps: [reg('1-0:31.7.0'), reg('1-0:51.7.0'), reg('1-0:71.7.0')],
    powerFactorMilli: 1000,
  };
  const clock = new Date(text('0-0:1.0.0').replace(/ .*$/, ''));

  return concatBytes(
    encodeMeterTelegram(
      'ksm-west',
      {
        time: meterClock(clock.getTime() + 5000 * later, 120),
        meterNumber: text('0-0:96.1.0'),
        deviceName: text('0-0:42.0.0'),
        registers,
      },
      {
        encryptionKey: hex(v.key_hex as string),
        systemTitle: hex(v.system_title_hex as string),
        frameCounter: Number.parseInt(v.frame_counter_hex as string, 16) + later,
        invokeId: 1,
      },
    ),
  );
}
