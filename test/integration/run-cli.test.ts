import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { openPtyPair, type PtyPair } from '../../src/simulator/pty-pair.js';
import { type CliProcess, startCli } from '../support/cli-process.js';
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
 * `smartmeter-bridge run` as users run it: a separate process reading a real pseudo-terminal (socat) and
 * publishing to a real Mosquitto. The faults of a 24/7 bridge: the adapter vanishing and coming back under
 * a new /dev/pts name, the broker restarting, noise on the line, a wrong key, SIGTERM.
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };

async function runToEnd(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const code = await run.exit;
  clearTimeout(timer);
  return { code, output: run.output() };
}

class Meter {
  private readonly simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: Buffer.from(KEY, 'hex'),
    intervalMs: 5000,
  });
  private out: WriteStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  attach(pty: PtyPair): void {
    this.out?.destroy();
    this.out = createWriteStream(pty.meterPath);
    this.out.on('error', () => {});
  }
  write(bytes: Uint8Array): void {
    this.out?.write(bytes);
  }
  start(intervalMs = 150): void {
    this.timer = setInterval(() => this.write(Buffer.concat(this.simulator.next())), intervalMs);
  }
  stop(): void {
    clearInterval(this.timer);
    this.out?.destroy();
  }
}

describe('smartmeter-bridge run: configuration errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['no key', ['run', '--device', '/dev/null'], /key/i],
    ['a key of 31 hex digits', ['run', '--key', KEY.slice(1)], /key/i],
    ['a port that is not a number', ['run', '--key', KEY, '--mqtt_port', 'abc'], /mqtt_port/],
    ['an unknown flag', ['run', '--key', KEY, '--colour', 'blue'], /colour/],
  ];
  for (const [name, args, field] of cases) {
    it(`${name}: one clear line naming the field, exit 2, nothing started`, async () => {
      const { code, output } = await runToEnd(args);
      assert.equal(code, 2);
      const lines = output.trim().split('\n');
      assert.equal(lines.length, 1, output);
      assert.match(lines[0] ?? '', field);
      assert.doesNotMatch(output, /\bat .*\.(ts|js):\d+/, 'no stack trace');
      assert.ok(!output.includes(KEY.slice(4)), 'the key is not echoed');
    });
  }

  it('an MQTT CA file that cannot be read: one clear line after the start-up line, exit 1, no stack trace', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'smb-ca-')), 'ca.pem');
    const args = ['run', '--key', KEY, '--device', 'tcp://127.0.0.1:9', '--mqtt-ca', missing];
    const { code, output } = await runToEnd(args);
    assert.equal(code, 1, output);
    const errors = output.split('\n').filter((line) => line.includes('ERROR'));
    assert.deepEqual(errors.length, 1, output);
    assert.match(
      errors[0] ?? '',
      new RegExp(`could not start: the MQTT CA file ${missing} cannot be read \\(ENOENT\\)`),
    );
    assert.doesNotMatch(output, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  });
});

describe('smartmeter-bridge run: who can reach the status page', () => {
  /** Resolves with the first match of `pattern` in the process's output, as soon as it is written. */
  function logLine(run: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const look = (): void => {
        const match = pattern.exec(run.output());
        if (match !== null) resolve(match);
      };
      run.child.stdout?.on('data', look);
      run.child.stderr?.on('data', look);
      void run.exit.then(() => reject(new Error(`exited before ${pattern}: ${run.output()}`)));
      look();
    });
  }

  /** GET /health at host:port: the status, or the connection error's code. */
  function health(host: string, port: number): Promise<number | string> {
    return new Promise((resolve) => {
      get({ host, port, path: '/health' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  }

  async function withPage(
    flags: string[],
    check: (port: number, shown: string) => Promise<void>,
  ): Promise<void> {
    // No broker and no meter needed: the page starts all the same. HTTP_HOST "" is "not given".
    const run = startCli(
      ['run', '--key', KEY, '--device', 'tcp://127.0.0.1:9', '--mqtt-url', 'mqtt://127.0.0.1:1', ...flags],
      { HTTP_HOST: '' },
    );
    try {
      const [, shown = '', port = ''] = await logLine(run, /web page on http:\/\/(\S+):(\d+)\//);
      await check(Number(port), shown);
      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 0);
    } finally {
      run.child.kill('SIGKILL');
    }
  }

  it('listens on 127.0.0.1 by default: another address of this machine is refused', async () => {
    await withPage(['--http-port', '0'], async (port, shown) => {
      assert.equal(shown, '127.0.0.1');
      assert.equal(await health('127.0.0.1', port), 200);
      assert.equal(await health('127.0.0.2', port), 'ECONNREFUSED');
    });
  });

  it('--http-host 0.0.0.0 listens on every address', async () => {
    await withPage(['--http-port', '0', '--http-host', '0.0.0.0'], async (port, shown) => {
      assert.equal(shown, 'localhost');
      assert.equal(await health('127.0.0.1', port), 200);
      assert.equal(await health('127.0.0.2', port), 200);
    });
  });
});

describe('smartmeter-bridge run: serial (pty) → Mosquitto', () => {
  let broker: Mosquitto;
  let dir: string;
  let pty: PtyPair;
  const cleanups: (() => unknown)[] = [];

  before(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'run-cli-'));
    pty = await openPtyPair(dir);
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    pty.close();
    await broker.stop();
  });

  it('recovers from a vanished adapter, a broker restart and line noise, and exits 0 on SIGTERM with offline', async () => {
    const prefix = 'cli/smart_meter';
    const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`, 'homeassistant/#'], AUTH);
    cleanups.push(() => recorder.close());
    const run = startCli([
      'run',
      '--device',
      pty.adapterPath,
      '--key',
      KEY,
      ...brokerFlags(broker.url),
      '--topic-prefix',
      prefix,
    ]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const meter = new Meter();
    cleanups.push(() => meter.stop());
    meter.attach(pty);
    meter.start();

    await recorder.waitFor(
      (m) => m.topic.startsWith('homeassistant/device/smartmeter_') && m.payload.includes('energy_in'),
      { timeoutMs: 8000 },
    );
    await recorder.waitFor((m) => m.topic === `${prefix}/status` && m.payload === 'online');
    await recorder.waitFor((m) => m.topic === `${prefix}/energy_in`);

    // The adapter disappears (socat ends: both ptys vanish) and comes back with new /dev/pts numbers.
    const beforeLoss = run.output().length;
    pty.close();
    // The source says it lost the adapter and will retry; the bridge must still be running after that.
    await until(() => run.output().indexOf('retrying in', beforeLoss) >= 0, 'the loss of the adapter');
    assert.equal(run.child.exitCode, null, 'still running without its adapter');
    pty = await openPtyPair(dir);
    meter.attach(pty);
    let mark = recorder.messages.length;
    await recorder.waitFor((m) => m.topic === `${prefix}/json`, { from: mark, timeoutMs: 15_000 });

    // Noise, a half telegram and garbage on the line: the next good telegrams still get through.
    meter.write(Buffer.from('68FAFA6853FF000167DB08', 'hex'));
    meter.write(Buffer.alloc(300, 0x68));
    mark = recorder.messages.length;
    await recorder.waitFor((m) => m.topic === `${prefix}/json`, { from: mark, timeoutMs: 5000 });

    // The broker is killed and restarted (no persistence): discovery and states come back by themselves.
    const beforeStop = run.output().length;
    await broker.stop();
    await until(() => run.output().indexOf('lost; data keeps flowing', beforeStop) >= 0, 'the lost broker');
    await broker.start();
    const fresh = await MqttRecorder.connect(broker.url, [`${prefix}/#`, 'homeassistant/#'], AUTH);
    cleanups.push(() => fresh.close());
    await fresh.waitFor((m) => m.topic.startsWith('homeassistant/device/smartmeter_'), { timeoutMs: 15_000 });
    await fresh.waitFor((m) => m.topic === `${prefix}/energy_in`, { timeoutMs: 5000 });

    meter.stop();
    mark = fresh.messages.length;
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
    await fresh.waitFor((m) => m.topic === `${prefix}/status` && m.payload === 'offline', {
      from: mark,
      timeoutMs: 3000,
    });
    const log = run.output();
    assert.doesNotMatch(log, /\bat .*\.(ts|js):\d+/, 'no stack trace in the log');
    assert.ok(!log.includes(KEY.slice(4)), 'the key is not logged');
    assert.ok(!log.includes(BROKER_PASSWORD), 'the password is not logged');
  });

  it("keeps the old project's flags: no command, --serial_key --serial_port --mqtt_server --mqtt_port --mqtt_user --mqtt_passwd", async () => {
    const prefix = 'home/smart_meter';
    const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`], AUTH);
    cleanups.push(() => recorder.close());
    const run = startCli([
      `--serial_key=${KEY}`,
      '--serial_port',
      pty.adapterPath,
      '--mqtt_server',
      '127.0.0.1',
      '--mqtt_port',
      String(broker.port),
      '--mqtt_user',
      BROKER_USER,
      '--mqtt_passwd',
      BROKER_PASSWORD,
    ]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const meter = new Meter();
    cleanups.push(() => meter.stop());
    meter.attach(pty);
    meter.start();
    for (const key of [
      'energy_in',
      'energy_out',
      'power_in',
      'power_out',
      'voltage_l1',
      'current_l3',
      'reactive_energy_out',
    ]) {
      const message = await recorder.waitFor((m) => m.topic === `${prefix}/${key}`, { timeoutMs: 8000 });
      assert.ok(Number.isFinite(Number(message.payload)), `${key} = ${message.payload}`);
    }
    meter.stop();
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
  });

  it('a wrong key: WRONG_KEY as the diagnostic, one log line for many telegrams, no state', async () => {
    const prefix = 'wrong/smart_meter';
    const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`], AUTH);
    cleanups.push(() => recorder.close());
    const run = startCli(
      [
        'run',
        '--device',
        pty.adapterPath,
        '--key',
        'FFEEDDCCBBAA99887766554433221100',
        '--mqtt-url',
        broker.url,
        '--topic-prefix',
        prefix,
      ],
      {
        MQTT_USER: BROKER_USER,
        MQTT_PASSWD: BROKER_PASSWORD,
      },
    );
    cleanups.push(() => run.child.kill('SIGKILL'));
    const meter = new Meter();
    cleanups.push(() => meter.stop());
    meter.attach(pty);
    meter.start(100);
    await recorder.waitFor(
      (m) => m.topic === `${prefix}/diagnostics/telegrams_rejected` && Number(m.payload) >= 6,
      { timeoutMs: 8000 },
    );
    // Published after the counter in the same batch: waited for, not assumed to have arrived with it.
    await recorder.waitFor(
      (m) => m.topic === `${prefix}/diagnostics/last_error` && m.payload === 'WRONG_KEY',
    );
    assert.equal(recorder.last(`${prefix}/diagnostics/last_error`)?.payload, 'WRONG_KEY');
    assert.equal(recorder.on(`${prefix}/energy_in`).length, 0);
    meter.stop();
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
    const warnings = run
      .output()
      .split('\n')
      .filter((l) => l.includes('WRONG_KEY'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
  });
});
