import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { LocalTime } from '../../src/encode/push-layouts.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { InfluxWriter } from '../../src/sinks/influx-writer.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes } from '../support/vectors.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.js';
import { until } from '../support/wait.js';

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

describe('InfluxDB v2 output', () => {
  it("writes each telegram with the meter's timestamp and full precision, and delivers a server outage's backlog exactly once", {
    timeout: 300_000,
  }, async () => {
    vm = await startVictoriaMetrics();
    cleanups.push(() => vm.stop());
    const queueDir = mkdtempSync(join(tmpdir(), 'influx-queue-'));
    const logLines: string[] = [];
    const source = new PushSource();
    const bridge = new Bridge(
      { keys: { encryptionKey: KEY }, logConsole: false },
      { source, log: silentLogger },
    );
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
    // Telegram 0 waits for the meter number, 1 is one line, each later one two (its values, and the
    // totals of the one before): seven lines.
    for (let n = 0; n < 5; n++) source.push(telegram(n, at(n)));
    await until(
      () => writer.written >= 7,
      () => `the first seven lines (${writer.written} written)`,
    );
    await vm.flush();
    const first = (await vm.exportSeries('{__name__="smart_meter_energy_in"}'))[0];
    assert.ok(first, 'energy_in exported');
    assert.equal(writer.written, 7);
    assert.deepEqual(first.timestamps, [at(1), at(2), at(3)], "the meter's own timestamps");
    assert.deepEqual(first.values, [3744.001, 3744.002, 3744.003], 'full precision, not whole kWh');
    assert.equal(first.metric['meter_id'], '181220000077');
    assert.equal(first.metric['system_title'], '4B464D6750000077');
    const pf = await vm.exportSeries('{__name__="smart_meter_power_factor"}');
    assert.deepEqual(pf[0]?.values, [0.987, 0.987, 0.987, 0.987]);

    // The server goes away; telegrams keep coming and wait on disk.
    await vm.stop();
    for (let n = 5; n < 23; n++) source.push(telegram(n, at(n)));
    // The writer says so when a write fails; the failed batch is what stays on disk.
    await until(() => logLines.some((l) => l.includes('kept on disk')), 'the failed write');
    assert.ok(readdirSync(queueDir).length > 0, 'the backlog is on disk');
    await vm.start();
    for (let n = 23; n < 27; n++) source.push(telegram(n, at(n)));

    // 51 lines in all once everything is written; with the queue empty and no telegram coming, nothing
    // more can be written.
    await until(
      () => writer.written >= 51 && readdirSync(queueDir).length === 0,
      () => `every line written (${writer.written} of 51 so far) and the queue empty`,
    );
    // Every write has been answered; VictoriaMetrics makes what it took searchable on this request.
    await vm.flush();
    const settled = (await vm.exportSeries('{__name__="smart_meter_energy_in"}'))[0];
    assert.ok(settled, 'energy_in exported');
    assert.deepEqual(
      settled.timestamps,
      Array.from({ length: 25 }, (_, n) => at(n + 1)),
      'every telegram once, in order',
    );
    assert.equal(writer.written, 51, 'no line written twice');
  });
});
