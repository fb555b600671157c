import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
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
 * `run` against a broker that speaks TLS (mqtts://), as for a broker outside the house: Debian's Mosquitto
 * with a certificate from a CA made here with openssl. With the CA given, the values arrive; without it,
 * or with mqtts:// to a plain listener, the log says what is wrong in words and the bridge keeps trying.
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
const dir = mkdtempSync(join(tmpdir(), 'mqtt-tls-'));
const caFile = join(dir, 'ca.pem');
const capture = join(dir, 'capture.bin');
let tlsBroker: Mosquitto;
let plainBroker: Mosquitto;
const running: ChildProcess[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA and a server certificate for localhost and 127.0.0.1, signed by it (EC keys: quick to make). */
function makeCertificates(): { certFile: string; keyFile: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  // Mosquitto started as root reads them after dropping to its own user.
  chmodSync(dir, 0o755);
  for (const file of ['server.pem', 'server.key', 'ca.pem']) chmodSync(join(dir, file), 0o644);
  return { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

function startRun(brokerUrl: string, extra: string[]): CliProcess {
  const run = startCli([
    'run',
    '--key',
    KEY,
    '--replay',
    capture,
    '--replay-interval',
    '0.2',
    ...brokerFlags(brokerUrl),
    ...extra,
  ]);
  running.push(run.child);
  return run;
}

async function firstErrorLine(run: CliProcess): Promise<string> {
  await until(() => /ERROR/.test(run.output()), 'an error line', 10_000);
  return (
    run
      .output()
      .split('\n')
      .find((l) => l.includes('ERROR')) ?? ''
  );
}

before(async () => {
  tlsBroker = await startMosquitto(makeCertificates());
  plainBroker = await startMosquitto();
  const simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: Buffer.from(KEY, 'hex'),
    intervalMs: 5000,
  });
  writeFileSync(capture, Buffer.concat(Array.from({ length: 200 }, () => Buffer.concat(simulator.next()))));
});

after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await tlsBroker.stop();
  await plainBroker.stop();
});

describe('MQTT over TLS', () => {
  it('with the broker’s CA (--mqtt-ca), publishes the values over mqtts://', async () => {
    const recorder = await MqttRecorder.connect(tlsBroker.url, ['home/smart_meter/#'], {
      username: BROKER_USER,
      password: BROKER_PASSWORD,
      ca: readFileSync(caFile),
    });
    try {
      const run = startRun(tlsBroker.url, ['--mqtt-ca', caFile]);
      const energy = await recorder
        .waitFor((m) => m.topic === 'home/smart_meter/energy_in', { timeoutMs: 15_000 })
        .catch((error: Error) => assert.fail(`${error.message}\n${run.output()}`));
      assert.match(energy.payload, /^\d+\.\d+$/);
      assert.ok(
        recorder.messages.some((m) => m.topic === 'home/smart_meter/status' && m.payload === 'online'),
      );
      assert.doesNotMatch(run.output(), /ERROR/);
    } finally {
      await recorder.close();
    }
  });

  it('without the CA, says the certificate is not trusted and how to fix it; keeps running', async () => {
    const run = startRun(tlsBroker.url, ['--log-level', 'debug']);
    const line = await firstErrorLine(run);
    assert.match(line, /certificate is not trusted.*--mqtt-ca/);
    // The next attempt after the error (a debug line) proves it kept running and retrying.
    const errorAt = run.output().indexOf(line);
    await until(() => run.output().indexOf('reconnecting to', errorAt) > 0, 'the next attempt');
    assert.equal(run.child.exitCode, null, 'still running, still retrying');
    assert.doesNotMatch(run.output(), /\bat .*\.(ts|js):\d+/, 'no stack trace');
  });

  it('mqtts:// to a plain listener: says the port does not speak TLS', async () => {
    const run = startRun(plainBroker.url.replace('mqtt://', 'mqtts://'), ['--mqtt-ca', caFile]);
    const line = await firstErrorLine(run);
    assert.match(line, /TLS handshake failed.*8883/);
  });
});
