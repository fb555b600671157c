import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { openPtyPair, type PtyPair } from '../../src/simulator/pty-pair.js';
import { freeTcpPort } from '../../src/web/free-port.js';
import { startBuiltCli } from '../support/cli-process.js';
import { type FakeHomeAssistant, startFakeHomeAssistant } from '../support/fake-home-assistant.js';
import { feedLine } from '../support/meter-line.js';
import {
  BROKER_PASSWORD,
  BROKER_USER,
  brokerFlags,
  type Mosquitto,
  startMosquitto,
} from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';
import { until } from '../support/wait.js';

/**
 * The shipped bundle (tools/build.mjs), started with the Dockerfile's node flags, not the sources under tsx that
 * the other tests run: the build replaces parts of the dependencies (serialport's binding found in
 * node_modules from the bundle, ws's https/tls/zlib and MQTT.js's helpers loaded at first use, debug only
 * with DEBUG, Node's stream module for readable-stream, Node's built-ins by require), and only the bundle
 * shows that the bridge still reads a serial port, publishes to MQTT, serves its page's live feed and talks
 * to Home Assistant with them.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = '000102030405060708090A0B0C0D0E0F';
const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };

describe('the built bundle, as the container starts it', () => {
  let broker: Mosquitto;
  let ha: FakeHomeAssistant;
  const cleanups: (() => unknown)[] = [];

  before(async () => {
    const built = spawnSync(process.execPath, [join(ROOT, 'tools', 'build.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    broker = await startMosquitto();
    ha = await startFakeHomeAssistant({ haVersion: '2026.11.0', token: 'bundle-token' });
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await ha.close();
    await broker.stop();
  });

  it('reads a meter on a pseudo-terminal, publishes what it sent, its live feed answers, and it opens its Home Assistant session', async () => {
    const pty: PtyPair = await openPtyPair(mkdtempSync(join(tmpdir(), 'bundle-')));
    cleanups.push(() => pty.close());
    const prefix = 'bundle/meter';
    const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`], AUTH);
    cleanups.push(() => recorder.close());
    const httpPort = await freeTcpPort(0);
    const bridge = startBuiltCli([
      'run',
      '--device',
      pty.adapterPath,
      '--key',
      KEY,
      ...brokerFlags(broker.url),
      '--topic-prefix',
      prefix,
      '--ha-url',
      ha.url,
      '--ha-token',
      'bundle-token',
      '--http-port',
      String(httpPort),
    ]);
    cleanups.push(() => bridge.child.kill('SIGKILL'));

    const simulator = new MeterSimulator({
      layout: 'ksm-west',
      key: Buffer.from(KEY, 'hex'),
      intervalMs: 5000,
    });
    const decoder = new TelegramDecoder({ encryptionKey: Buffer.from(KEY, 'hex') });
    const { sent, stop } = feedLine(pty.meterPath, simulator, decoder);
    cleanups.push(stop);

    // Energy totals go out once the next telegram confirms them: a state that carries one is a full telegram.
    const state = await recorder
      .waitFor(
        (m) =>
          m.topic === `${prefix}/json` && 'energy_in' in (JSON.parse(m.payload) as { values: object }).values,
      )
      .catch((error: unknown) => {
        throw new Error(`${String(error)}; the bridge said:\n${bridge.output()}`);
      });
    const published = (JSON.parse(state.payload) as { values: Record<string, number | string> }).values;
    assert.ok(
      sent.some((t) => t.values.energy_in === published['energy_in']),
      `energy_in ${String(published['energy_in'])} is not one the meter sent`,
    );
    await until(
      () => ha.messages.some((m) => m['type'] === 'get_config'),
      () => `the Home Assistant session's first command; the bridge said:\n${bridge.output()}`,
    );
    // The page's live feed: ws's server, from the bundle too.
    const feed = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`);
    cleanups.push(() => feed.terminate());
    const snapshot = await new Promise<string>((resolve, reject) => {
      feed.once('message', (data: Buffer) => resolve(data.toString()));
      feed.once('error', reject);
    });
    assert.equal((JSON.parse(snapshot) as { type?: unknown }).type, 'snapshot');
    assert.doesNotMatch(bridge.output(), /ERROR|Error:/, bridge.output());
  });

  it("loads debug when DEBUG names a namespace, and MQTT.js's SOCKS connector when a proxy is named", async () => {
    // Both stand in for modules the bundle loads only then; a stand-in that does not reach the module would
    // print no debug lines, and the proxy's refusal would never be reported.
    const proxyPort = await freeTcpPort(0);
    const bridge = startBuiltCli(
      [
        'run',
        '--device',
        `tcp://127.0.0.1:${await freeTcpPort(0)}`,
        '--key',
        KEY,
        ...brokerFlags(broker.url),
        '--http-port',
        String(await freeTcpPort(0)),
      ],
      { DEBUG: 'mqttjs:client', MQTTJS_SOCKS_PROXY: `socks5://127.0.0.1:${proxyPort}` },
    );
    cleanups.push(() => bridge.child.kill('SIGKILL'));
    // The refusal as the bridge reports it: MQTT.js's own debug line names the proxy's port a moment earlier.
    const refused = new RegExp(`ERROR \\[mqtt\\] .*ECONNREFUSED 127\\.0\\.0\\.1:${proxyPort}`);
    await until(
      () => bridge.output().includes('mqttjs:client') && refused.test(bridge.output()),
      () => `a debug line of mqttjs:client and the proxy's refusal; the bridge said:\n${bridge.output()}`,
    );
    assert.match(bridge.output(), refused);
  });
});
