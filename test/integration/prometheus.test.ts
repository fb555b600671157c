import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { NO_DELIVERY } from '../../src/bridge/delivery.js';
import { silentLogger } from '../../src/log.js';
import { PrometheusMetrics } from '../../src/sinks/prometheus.js';
import { startWebServer } from '../../src/web/web-server.js';
import { followUpOf } from '../support/follow-up.js';
import { freePort } from '../support/mosquitto.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';
import { untilValue } from '../support/wait.js';

/** `/metrics` checked by Prometheus's own tools from Debian: `promtool check metrics`, and a real scrape. */

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('Prometheus /metrics', () => {
  it('passes promtool and is scraped by Prometheus with the values of a real telegram', {
    timeout: 180_000,
  }, async () => {
    const vkw = VECTORS[5] as Vector;
    const source = new PushSource();
    const bridge = new Bridge(
      { keys: { encryptionKey: hex(vkw.key_hex as string) }, logConsole: false },
      { source, log: silentLogger },
    );
    // The app hands the page its metrics; no MQTT output here.
    const metrics = new PrometheusMetrics(bridge, NO_DELIVERY);
    bridge.start();
    const web = await startWebServer(
      bridge,
      { port: 0, host: '127.0.0.1', captureFile: undefined, metrics },
      silentLogger,
    );
    cleanups.push(async () => {
      await web.close();
      await bridge.stop();
    });
    // The capture and the meter's next two telegrams: they confirm its meter number and totals.
    source.push(concatBytes(framesOf(vkw)), followUpOf(vkw, 1), followUpOf(vkw, 2), hex('68FAFA68000000'));
    source.push(concatBytes(framesOf(VECTORS[6] as Vector)));

    const response = await fetch(`http://127.0.0.1:${web.port}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(
      text,
      /^smartmeter_energy_in_kwh\{meter_id="1KFM0200175269",system_title="4B464D102002ACA5"\} 3744\.082$/m,
    );
    assert.match(text, /^smartmeter_voltage_l1_volts\{.*\} 233$/m);
    // The capture itself is held until the next telegram confirms the meter number: two go out.
    assert.match(text, /^smartmeter_bridge_telegrams_total 2$/m);
    assert.match(
      text,
      /^smartmeter_bridge_rejected_total\{code="COUNTER_REPLAY"\} 1$/m,
      'the older capture after the newer one is a replay',
    );
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no lint remarks either');

    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: smartmeter\n    static_configs:\n      - targets: ['127.0.0.1:${web.port}']\n`,
    );
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        stdio: 'ignore',
      },
    );
    cleanups.push(() => prometheus.kill('SIGKILL'));
    // Prometheus starts, scrapes every second, and answers the query once it has a sample.
    const value = await untilValue(
      async () => {
        try {
          const result = (await (
            await fetch(`http://127.0.0.1:${port}/api/v1/query?query=smartmeter_energy_in_kwh`)
          ).json()) as {
            data?: { result?: { value: [number, string] }[] };
          };
          return result.data?.result?.[0]?.value[1];
        } catch {
          return undefined; // Prometheus still starting
        }
      },
      'a scraped sample of smartmeter_energy_in_kwh',
      { intervalMs: 250 },
    );
    assert.equal(value, '3744.082');
  });
});
