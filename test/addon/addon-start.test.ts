import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { openPtyPair, type PtyPair } from '../../src/simulator/pty-pair.js';
import { getFrom, openWs } from '../support/http-peer.js';
import {
  BROKER_PASSWORD,
  BROKER_USER,
  freePort,
  type Mosquitto,
  startMosquitto,
} from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';

/**
 * The built add-on entry point started the way the container starts it: /data/options.json (here in a
 * temporary folder), a local HTTP server answering /services/mqtt with the Supervisor's token check and
 * envelope, a real Mosquitto, and a simulated meter on a pseudo-terminal.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'addon', 'main.js');
const KEY = '000102030405060708090A0B0C0D0E0F';
const TOKEN = 'supervisor-token-for-tests';
const SELF_SLUG = 'a1b2c3d4_smartmeter_bridge';

let broker: Mosquitto;
let supervisor: Server;
let supervisorUrl: string;
let mqttServiceAnswer: { status: number; body: unknown };
/** Every path the app asked the Supervisor for, in order. */
const supervisorRequests: string[] = [];
let pty: PtyPair;

before(async () => {
  // The entry point as shipped: bundled, not run through tsx.
  execFileSync(process.execPath, [join(ROOT, 'tools', 'build.mjs')], { cwd: ROOT });
  broker = await startMosquitto();
  supervisor = createServer((request, response) => {
    supervisorRequests.push(request.url ?? '');
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ result: 'error', message: 'Unauthorized' }));
    } else if (request.url === '/services/mqtt') {
      response
        .writeHead(mqttServiceAnswer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(mqttServiceAnswer.body));
    } else if (request.url === '/addons/self/info') {
      // The Supervisor's answer, trimmed to what matters here: the full slug (repository hash first).
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ result: 'ok', data: { slug: SELF_SLUG, ingress: true, version: '0.1.0' } }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => supervisor.listen(0, '127.0.0.1', resolve));
  const address = supervisor.address();
  supervisorUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  pty = await openPtyPair();
});

after(async () => {
  pty.close();
  await new Promise<void>((resolve) => supervisor.close(() => resolve()));
  await broker.stop();
});

function mosquittoService(): { status: number; body: unknown } {
  return {
    status: 200,
    body: {
      result: 'ok',
      data: {
        host: '127.0.0.1',
        port: broker.port,
        ssl: false,
        protocol: '3.1.1',
        username: BROKER_USER,
        password: BROKER_PASSWORD,
        addon: 'core_mosquitto',
      },
    },
  };
}

type Started = { child: ChildProcess; output: () => string; exit: Promise<number | null>; httpPort: number };

async function startAddon(options: Record<string, unknown>, token = TOKEN): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'addon-data-'));
  writeFileSync(join(dir, 'options.json'), JSON.stringify(options));
  const httpPort = await freePort();
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env['PATH'],
      SMARTMETER_OPTIONS: join(dir, 'options.json'),
      SUPERVISOR_URL: supervisorUrl,
      SUPERVISOR_TOKEN: token,
      SMARTMETER_HTTP_PORT: String(httpPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exit, httpPort };
}

async function endsWithOneError(started: Started, expected: RegExp): Promise<void> {
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 60_000);
  const code = await started.exit;
  clearTimeout(timer);
  assert.notEqual(code, 0);
  const output = started.output();
  const errors = output.split('\n').filter((l) => l.includes(' ERROR '));
  assert.equal(errors.length, 1, output);
  assert.match(errors[0] ?? '', expected);
  assert.doesNotMatch(output, /\n\s+at .*:\d+:\d+/, 'no stack trace');
  assert.ok(!output.includes(KEY.slice(4)), 'the key is not logged');
  assert.ok(!output.includes(String.fromCharCode(27)), 'no colour codes in the Log tab');
}

describe('add-on start-up', () => {
  it('takes the broker from the Supervisor, publishes discovery and states, serves /health, and stops with offline and exit 0', async () => {
    mqttServiceAnswer = mosquittoService();
    const recorder = await MqttRecorder.connect(broker.url, ['home/smart_meter/#', 'homeassistant/#'], {
      username: BROKER_USER,
      password: BROKER_PASSWORD,
    });
    const started = await startAddon({
      device: pty.adapterPath,
      key: KEY.replace(/(..)/g, '$1 '),
      log_level: 'info',
    });
    const meter = createWriteStream(pty.meterPath);
    // A write still under way when the test destroys the stream fails with ERR_STREAM_DESTROYED (or EIO once
    // the pty is gone): the meter's side, not the add-on's; any other write error is.
    meter.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_STREAM_DESTROYED' && error.code !== 'EIO') throw error;
    });
    const simulator = new MeterSimulator({
      layout: 'ksm-west',
      key: Buffer.from(KEY, 'hex'),
      intervalMs: 5000,
    });
    const timer = setInterval(() => meter.write(Buffer.concat(simulator.next())), 150);
    try {
      const discovery = await recorder.waitFor(
        (m) => m.topic.startsWith('homeassistant/device/smartmeter_'),
        { timeoutMs: 10_000 },
      );
      assert.match(discovery.payload, /"energy_in"/);
      // The device's "Visit" link is this app's ingress page, named by the slug the Supervisor gives.
      await recorder.waitFor(
        (m) =>
          m.topic === discovery.topic &&
          (JSON.parse(m.payload) as { device: { configuration_url?: string } }).device.configuration_url ===
            `homeassistant://hassio/ingress/${SELF_SLUG}`,
      );
      await recorder.waitFor((m) => m.topic === 'home/smart_meter/energy_in');
      await recorder.waitFor((m) => m.topic === 'home/smart_meter/status' && m.payload === 'online');
      const health = await fetch(`http://127.0.0.1:${started.httpPort}/health`);
      assert.equal(health.status, 200);
      const page = await (await fetch(`http://127.0.0.1:${started.httpPort}/`)).text();
      assert.match(
        page,
        /new URL\("ws", location\.href\)/,
        'relative URLs, so it works under the ingress prefix',
      );
      assert.match(page, /href="capture\.bin"/);
      const status = (await (await fetch(`http://127.0.0.1:${started.httpPort}/status.json`)).json()) as {
        telegram: { meter_id: string } | null;
      };
      assert.equal(status.telegram?.meter_id, simulator.meterNumber);
      assert.ok(!JSON.stringify(status).includes(KEY.slice(4)), 'the key is not on the page');

      // Only Home Assistant's ingress gateway (172.30.32.2) and loopback are answered: another address gets
      // 403, for the page and for the live feed; a page from another site gets no feed either.
      const port = started.httpPort;
      assert.match(started.output(), /answering only 172\.30\.32\.2, 127\.0\.0\.1, ::1/);
      assert.equal((await getFrom(port, '/status.json', '127.0.0.2')).status, 403);
      assert.equal((await getFrom(port, '/capture.bin', '127.0.0.2')).status, 403);
      assert.equal((await getFrom(port, '/status.json')).status, 200);
      const feed = `ws://127.0.0.1:${port}/ws`;
      assert.equal((await openWs(feed, { from: '127.0.0.2' })).status, 403);
      assert.equal((await openWs(feed, { origin: 'http://evil.example' })).status, 403);
      const own = await openWs(feed, { origin: `http://127.0.0.1:${port}` });
      assert.equal(own.status, 101);
      assert.ok(!(own.first ?? '').includes(KEY.slice(4)), 'the key is not in the feed');
      assert.match(started.output(), /MQTT broker from Home Assistant: mqtt:\/\/127\.0\.0\.1:\d+ as bridge/);
      assert.ok(!started.output().includes(BROKER_PASSWORD), 'the MQTT password is not logged');

      const mark = recorder.messages.length;
      started.child.kill('SIGTERM');
      assert.equal(await started.exit, 0);
      await recorder.waitFor((m) => m.topic === 'home/smart_meter/status' && m.payload === 'offline', {
        from: mark,
      });
    } finally {
      clearInterval(timer);
      meter.destroy();
      started.child.kill('SIGKILL');
      await recorder.close();
    }
  });

  it('with its own broker (mqtt_host) it needs no MQTT service: mqtt:want, and the Supervisor is not asked', async () => {
    mqttServiceAnswer = { status: 400, body: { result: 'error', message: 'Service not enabled' } };
    const asked = supervisorRequests.length;
    const recorder = await MqttRecorder.connect(broker.url, ['own/smart_meter/#'], {
      username: BROKER_USER,
      password: BROKER_PASSWORD,
    });
    const started = await startAddon({
      device: pty.adapterPath,
      key: KEY,
      topic_prefix: 'own/smart_meter',
      mqtt_host: '127.0.0.1',
      mqtt_port: broker.port,
      mqtt_user: BROKER_USER,
      mqtt_password: BROKER_PASSWORD,
    });
    try {
      // The retained status (offline until a telegram decodes) says the app is on the broker it was given.
      await recorder.waitFor((m) => m.topic === 'own/smart_meter/status');
      assert.match(started.output(), /MQTT broker from the app options: 127\.0\.0\.1/);
      assert.doesNotMatch(started.output(), /no MQTT broker found/);
      assert.ok(!supervisorRequests.slice(asked).includes('/services/mqtt'), supervisorRequests.join(' '));
    } finally {
      started.child.kill('SIGKILL');
      await recorder.close();
    }
  });

  it('without a key: one clear log line, non-zero exit', async () => {
    mqttServiceAnswer = mosquittoService();
    await endsWithOneError(await startAddon({ device: pty.adapterPath }), /key: missing/);
  });

  it('with 31 hex digits: one clear log line naming the option, non-zero exit', async () => {
    mqttServiceAnswer = mosquittoService();
    await endsWithOneError(
      await startAddon({ device: pty.adapterPath, key: KEY.slice(1) }),
      /option key: a key is 32 hex digits/,
    );
  });

  it('with a mistyped grid_operator: one clear log line naming the option and the operator meant, non-zero exit', async () => {
    mqttServiceAnswer = mosquittoService();
    await endsWithOneError(
      await startAddon({ device: pty.adapterPath, key: KEY, grid_operator: 'wienernetze' }),
      /configuration: option grid_operator: unknown grid operator "wienernetze"; did you mean wiener-netze\?/,
    );
  });

  it('with a device that does not exist: one clear log line, non-zero exit', async () => {
    mqttServiceAnswer = mosquittoService();
    await endsWithOneError(
      await startAddon({ device: '/dev/serial/by-id/usb-gone-if00', key: KEY }),
      /serial device .* does not exist/,
    );
  });

  it('without the Mosquitto add-on: says what to install, non-zero exit', async () => {
    mqttServiceAnswer = { status: 400, body: { result: 'error', message: 'Service not enabled' } };
    await endsWithOneError(
      await startAddon({ device: pty.adapterPath, key: KEY }),
      /no MQTT broker found \(Service not enabled\)\. Install .*Mosquitto/,
    );
  });

  it('with a wrong Supervisor token: says so, non-zero exit', async () => {
    mqttServiceAnswer = mosquittoService();
    await endsWithOneError(
      await startAddon({ device: pty.adapterPath, key: KEY }, 'wrong-token'),
      /no MQTT broker found \(Unauthorized\)/,
    );
  });
});
