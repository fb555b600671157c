import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePort } from '../support/mosquitto.js';
import { until } from '../support/wait.js';

/** `smartmeter-bridge demo`: simulator → bridge → embedded aedes broker, checked from outside with a real MQTT client. */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('smartmeter-bridge demo', () => {
  it('serves discovery and live, increasing values on its embedded broker, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'demo', '--port', String(port), '--interval', '0.2', '--layout', 'evn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    try {
      // The demo prints its broker's address once the broker listens.
      await until(
        () => /mqtt:\/\/localhost:\d+/.test(output),
        () => `the broker's address in:\n${output}`,
      );
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
      const seen = new Map<string, string[]>();
      client.on('message', (topic, payload) =>
        seen.set(topic, [...(seen.get(topic) ?? []), payload.toString()]),
      );
      await client.subscribeAsync(['home/smart_meter/#', 'homeassistant/#']);
      await until(
        () => (seen.get('home/smart_meter/energy_in')?.length ?? 0) >= 3,
        () => `three energy_in messages:\n${output}`,
      );

      const energy = (seen.get('home/smart_meter/energy_in') ?? []).map(Number);
      assert.ok(energy.length >= 3, `energy_in messages: ${energy.length}\n${output}`);
      for (let i = 1; i < energy.length; i++)
        assert.ok((energy[i] as number) >= (energy[i - 1] as number), 'energy never decreases');
      const discovery = [...seen.keys()].find((t) => t.startsWith('homeassistant/device/smartmeter_'));
      assert.ok(discovery, 'device discovery published');
      assert.ok(seen.get('home/smart_meter/power_factor'), 'EVN layout sends the power factor');
      assert.equal(seen.get('home/smart_meter/status')?.at(-1), 'online');
      assert.match(output, /mqtt:\/\/localhost:\d+/);
      await client.endAsync();

      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
  });
});
