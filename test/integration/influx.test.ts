import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { LocalTime } from '../../src/encode/push-layouts.js';
import { createLogger } from '../../src/log.js';
import { InfluxWriter } from '../../src/sinks/influx-writer.js';
import { bridgeWithoutBroker } from '../support/offline-bridge.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes } from '../support/vectors.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.js';

/**
 * The InfluxDB v2 output against a real server that speaks its write API (VictoriaMetrics from Debian):
 * points carry the meter's own timestamps and full precision, and while the server is down every telegram
 * waits on disk and arrives exactly once when it is back, in order.
 */

const KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
let vm: VictoriaMetrics;
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function utcTime(ms: number): LocalTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    utcOffsetMinutes: 0,
  };
}

function telegram(n: number, at: number): Uint8Array {
  return concatBytes(
    encodeMeterTelegram(
      'evn',
      {
        time: utcTime(at),
        meterNumber: '181220000077',
        deviceName: '',
        registers: {
          energyInWh: 3_744_000 + n,
          energyOutWh: 1_000,
          reactiveEnergyInVarh: 0,
          reactiveEnergyOutVarh: 0,
          powerInW: 100 + n,
          powerOutW: 0,
          voltageDecivolts: [2301, 2302, 2303],
          currentCentiamps: [101, 102, 103],
          powerFactorMilli: 987,
        },
      },
      {
        encryptionKey: KEY,
        systemTitle: Buffer.from('4B464D6750000077', 'hex'),
        frameCounter: 500 + n,
        invokeId: n,
      },
    ),
  );
}

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
  detail?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${detail === undefined ? '' : `: ${detail()}`}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('InfluxDB v2 output', () => {
  it("writes each telegram with the meter's timestamp and full precision, and delivers a server outage's backlog exactly once", {
    timeout: 90_000,
  }, async () => {
    vm = await startVictoriaMetrics();
    cleanups.push(() => vm.stop());
    const queueDir = mkdtempSync(join(tmpdir(), 'influx-queue-'));
    const logLines: string[] = [];
    const source = new PushSource();
    const bridge = bridgeWithoutBroker(KEY, source);
    const writer = new InfluxWriter(
      bridge,
      {
        url: vm.url,
        token: 'influx-token',
        org: 'home',
        bucket: 'smartmeter',
        queueDir,
        maxQueueBytes: 1024 * 1024,
        retryMs: { initial: 100, max: 400 },
      },
      createLogger({ level: 'info', writer: { write: (l) => logLines.push(l) } }),
    );
    bridge.start();
    writer.start();
    cleanups.push(async () => {
      await writer.stop();
      await bridge.stop();
    });

    const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const at = (n: number): number => base + n * 5000;
    // The first telegram waits for the second to confirm the meter number; the first total goes out once
    // two more continue it, every later one once the next confirms it, each at its own telegram's time:
    // five telegrams make three points of energy_in, for telegrams 1 to 3.
    for (let n = 0; n < 5; n++) source.push(telegram(n, at(n)));
    const first = await until(async () => {
      const series = await vm.exportSeries('{__name__="smart_meter_energy_in"}');
      return series[0] !== undefined && series[0].values.length === 3 ? series[0] : undefined;
    }, 'the first three points');
    assert.deepEqual(first.timestamps, [at(1), at(2), at(3)], "the meter's own timestamps");
    assert.deepEqual(first.values, [3744.001, 3744.002, 3744.003], 'full precision, not whole kWh');
    assert.equal(first.metric['meter_id'], '181220000077');
    assert.equal(first.metric['system_title'], '4B464D6750000077');
    const pf = await vm.exportSeries('{__name__="smart_meter_power_factor"}');
    assert.deepEqual(pf[0]?.values, [0.987, 0.987, 0.987, 0.987]);

    // The server goes away; telegrams keep coming and wait on disk.
    await vm.stop();
    for (let n = 5; n < 23; n++) source.push(telegram(n, at(n)));
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(readdirSync(queueDir).length > 0, 'the backlog is on disk');
    assert.ok(
      logLines.some((l) => l.includes('kept on disk')),
      logLines.join(''),
    );
    await vm.start();
    for (let n = 23; n < 27; n++) source.push(telegram(n, at(n)));

    let seen = 0;
    const all = await until(
      async () => {
        const series = await vm.exportSeries('{__name__="smart_meter_energy_in"}');
        seen = series[0]?.values.length ?? 0;
        return series[0] !== undefined && series[0].values.length >= 25 ? series[0] : undefined;
      },
      'all 25 points',
      40_000,
      () =>
        `saw ${seen}; writer wrote ${writer.written}; queue ${readdirSync(queueDir).join(',')}; log ${logLines.join(' | ')}`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const settled = (await vm.exportSeries('{__name__="smart_meter_energy_in"}'))[0] ?? all;
    assert.deepEqual(
      settled.timestamps,
      Array.from({ length: 25 }, (_, n) => at(n + 1)),
      'every telegram once, in order',
    );
    // Telegram 0 waits for the meter number, 1 is one line, each later one two (its values, and the
    // totals of the one before).
    assert.equal(writer.written, 51);
    assert.deepEqual(readdirSync(queueDir), [], 'the queue is empty again');
  });
});
