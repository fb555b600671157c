import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
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
 * `run --replay FILE` as a child process against a real Mosquitto: at the end of the capture it publishes
 * the last telegram, says `offline`, and exits 0; a broker that is not there yet is waited for; with
 * --replay-keep-running it stays; a capture with nothing to publish is exit 1.
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };

let broker: Mosquitto;
let capture: string;
let lastFrameCounter: number;
const children: CliProcess[] = [];

before(async () => {
  broker = await startMosquitto();
  capture = join(mkdtempSync(join(tmpdir(), 'replay-')), 'capture.bin');
  const simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: Buffer.from(KEY, 'hex'),
    intervalMs: 5000,
  });
  const bytes = Buffer.concat(Array.from({ length: 12 }, () => Buffer.concat(simulator.next())));
  writeFileSync(capture, bytes);
  const counters: number[] = [];
  const decoder = new TelegramDecoder({ encryptionKey: Buffer.from(KEY, 'hex') });
  for (const event of [...decoder.push(bytes), ...decoder.end()])
    if (event.kind === 'telegram') counters.push(event.telegram.frameCounter ?? 0);
  lastFrameCounter = Math.max(...counters);
});

after(async () => {
  for (const child of children) child.child.kill('SIGKILL');
  await broker.stop();
});

function replay(prefix: string, extra: string[] = [], key = KEY): CliProcess {
  const run = startCli([
    'run',
    '--key',
    key,
    '--replay',
    capture,
    '--replay-pace',
    'fast',
    ...brokerFlags(broker.url),
    '--topic-prefix',
    prefix,
    ...extra,
  ]);
  children.push(run);
  return run;
}

/** What the broker keeps (retained) after the bridge has gone: what it had really received. */
async function retained(prefix: string): Promise<MqttRecorder> {
  const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/json`, `${prefix}/status`], AUTH);
  await recorder.waitFor((m) => m.topic === `${prefix}/json`);
  await recorder.waitFor((m) => m.topic === `${prefix}/status`);
  return recorder;
}

function frameCounterOf(recorder: MqttRecorder, prefix: string): number {
  return (JSON.parse(recorder.last(`${prefix}/json`)?.payload ?? '{}') as { frame_counter: number })
    .frame_counter;
}

describe('run --replay', () => {
  it('exits 0 at the end of the capture, once the last telegram and offline are with the broker', async () => {
    const prefix = 'replay1/smart_meter';
    const run = replay(prefix);
    assert.equal(await run.exit, 0, run.output());
    assert.match(
      run.output(),
      /end of the replay: 11 telegram\(s\) decoded, the last one published; exiting/,
    );
    const recorder = await retained(prefix);
    assert.equal(frameCounterOf(recorder, prefix), lastFrameCounter, 'the last telegram');
    assert.equal(recorder.last(`${prefix}/status`)?.payload, 'offline');
    await recorder.close();
  });

  it('waits for a broker that is not there yet, publishes once it is, then exits 0', async () => {
    const prefix = 'replay2/smart_meter';
    await broker.stop();
    const run = replay(prefix);
    try {
      await until(
        () => run.output().includes('waiting for the MQTT broker'),
        () => `the wait:\n${run.output()}`,
      );
      assert.equal(run.child.exitCode, null);
    } finally {
      await broker.start();
    }
    assert.equal(await run.exit, 0, run.output());
    const recorder = await retained(prefix);
    assert.equal(frameCounterOf(recorder, prefix), lastFrameCounter, 'the last telegram');
    assert.equal(recorder.last(`${prefix}/status`)?.payload, 'offline');
    await recorder.close();
  });

  it('with --replay-keep-running stays after the end, until a signal', async () => {
    const prefix = 'replay3/smart_meter';
    const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`], AUTH);
    const run = replay(prefix, ['--replay-keep-running']);
    await until(
      () => run.output().includes('end of input'),
      () => `the end of input:\n${run.output()}`,
    );
    await recorder.waitFor(
      (m) => m.topic === `${prefix}/json` && m.payload.includes(`"frame_counter":${lastFrameCounter}`),
    );
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
    // It was still running when the signal came: the signal is what stopped it.
    assert.match(run.output(), /SIGTERM: stopping/);
    assert.doesNotMatch(run.output(), /end of the replay/);
    await recorder.close();
  });

  it('exits 1 when nothing in the capture could be published (a wrong key)', async () => {
    const run = replay('replay4/smart_meter', [], 'FFEEDDCCBBAA99887766554433221100');
    assert.equal(await run.exit, 1);
    assert.match(run.output(), /ERROR .*end of the replay, and no telegram could be published/);
  });

  it('exits 1 when the capture cannot be read', async () => {
    const run = startCli([
      'run',
      '--key',
      KEY,
      '--replay',
      '/nonexistent/capture.bin',
      ...brokerFlags(broker.url),
    ]);
    children.push(run);
    assert.equal(await run.exit, 1);
    assert.match(run.output(), /ERROR .*cannot replay \/nonexistent\/capture\.bin/);
    assert.equal(
      run
        .output()
        .split('\n')
        .filter((l) => l.includes(' ERROR ')).length,
      1,
      run.output(),
    );
  });
});
