import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MeterSimulator } from '../src/simulator/meter-simulator.js';
import { openPtyPair } from '../src/simulator/pty-pair.js';
import { freeTcpPort } from '../src/web/free-port.js';
import { startFakeHomeAssistant } from '../test/support/fake-home-assistant.js';
import { BROKER_PASSWORD, BROKER_USER, brokerFlags, startMosquitto } from '../test/support/mosquitto.js';
import { MqttRecorder } from '../test/support/mqtt-recorder.js';
import {
  builtCli,
  containerNodeFlags,
  cpuMs,
  type Latency,
  latencyOf,
  type Rss,
  rss,
  saveFigures,
  shownEnv,
} from './measure.js';

/**
 * The running bridge as the container runs it (the built CLI, the Dockerfile's NODE_OPTIONS, the web server
 * on), beside a bare `node` started with the same flags: simulator → real pty (socat) → `run` → real
 * Mosquitto → a subscriber. Measures, in this order: RSS after start-up; CPU when idle; CPU per telegram and
 * latency when the bytes arrive at the meter's pace (2400 baud 8E1, a few bytes per read, as a USB adapter
 * hands them over); latency under a burst of 2,000 telegrams; RSS along 10,000 more telegrams and after them.
 */

const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
const PREFIX = 'bench/smart_meter';
const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? 30);
const PACED_TELEGRAMS = Number(process.env['BENCH_PACED_TELEGRAMS'] ?? 12);
const BURST_TELEGRAMS = 2_000;
const SETTLE_SECONDS = Number(process.env['BENCH_SETTLE_SECONDS'] ?? 15);
const LOAD_TELEGRAMS = 20_000;
/** 2400 baud with a start bit, 8 data bits, even parity and a stop bit: 11 bits a byte. */
const MS_PER_BYTE = (11 * 1000) / 2400;

const { nodeOptions, execArgv, env: containerEnv } = containerNodeFlags();
const env = { ...process.env, ...containerEnv, NODE_OPTIONS: nodeOptions };
const broker = await startMosquitto();
const pty = await openPtyPair();
const bridge = spawn(
  process.execPath,
  [
    ...execArgv,
    builtCli(),
    'run',
    '--device',
    pty.adapterPath,
    '--key',
    KEY_HEX,
    ...brokerFlags(broker.url),
    '--topic-prefix',
    PREFIX,
    '--log-level',
    'warn',
    '--http-port',
    String(await freeTcpPort(0)),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], env },
);
const bare = spawn(process.execPath, [...execArgv, '-e', 'setInterval(() => {}, 1000)'], {
  stdio: 'ignore',
  env,
});
// Beside it, two bridges with no meter (a TCP source that refuses), idle: one as `run` is started here, one as the
// add-on starts it, with a Home Assistant session (the Supervisor hands it ha_url and a token) over ws. Their
// difference is what the session costs the add-on above the figures here.
const fakeHa = await startFakeHomeAssistant({ haVersion: '2026.11.0', token: 'bench-token' });
const meterless = (extra: string[], httpPort: number): ChildProcess =>
  spawn(
    process.execPath,
    [
      ...execArgv,
      builtCli(),
      'run',
      '--device',
      'tcp://127.0.0.1:9',
      '--key',
      KEY_HEX,
      ...brokerFlags(broker.url),
      '--topic-prefix',
      `${PREFIX}-idle`,
      '--log-level',
      'error',
      '--http-port',
      String(httpPort),
      ...extra,
    ],
    { stdio: 'ignore', env },
  );
const idleRun = meterless([], await freeTcpPort(0));
const idleAddon = meterless(['--ha-url', fakeHa.url, '--ha-token', 'bench-token'], await freeTcpPort(0));
const pidOf = (child: ChildProcess): number => {
  if (child.pid === undefined) throw new Error('a child process did not start');
  return child.pid;
};

const recorder = await MqttRecorder.connect(broker.url, [`${PREFIX}/json`], {
  username: BROKER_USER,
  password: BROKER_PASSWORD,
});
const meter = createWriteStream(pty.meterPath);
const simulator = new MeterSimulator({
  layout: 'ksm-west',
  key: Buffer.from(KEY_HEX, 'hex'),
  intervalMs: 5000,
});
const write = (bytes: Uint8Array): Promise<number> =>
  new Promise((resolve, reject) => meter.write(bytes, (e) => (e ? reject(e) : resolve(performance.now()))));
const nextTelegram = (): Buffer => Buffer.concat(simulator.next());

type Sample = { at: string; bridge: Rss; bare: Rss };
const memory: Sample[] = [];
const sampleMemory = (at: string): void => {
  memory.push({ at, bridge: rss(pidOf(bridge)), bare: rss(pidOf(bare)) });
};

// Meter pace: the bytes of a telegram in chunks of 1–8 bytes, each written when 2400 baud would have delivered
// it (a fixed seed: the same chunks every run). Resolves with the time of the last chunk's write.
let seed = 20261125;
const chunkSize = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return 1 + ((seed >>> 16) % 8);
};
let pacedWrites = 0;
async function writePaced(telegram: Buffer): Promise<number> {
  const start = performance.now();
  let lastWrite = start;
  for (let offset = 0; offset < telegram.length; ) {
    const end = Math.min(telegram.length, offset + chunkSize());
    const due = start + end * MS_PER_BYTE - performance.now();
    if (due > 0) await sleep(due);
    lastWrite = await write(telegram.subarray(offset, end));
    pacedWrites++;
    offset = end;
  }
  return lastWrite;
}

// Start-up, at the meter's pace as a real line has it (the serial source lets bytes gather only on a line no
// faster than its baud rate): the bridge opens the pty and connects to the broker; a meter's first telegrams
// are held until its identity is confirmed, so the first message proves the whole path.
for (let i = 0; i < 10 && recorder.messages.length === 0; i++) await writePaced(nextTelegram());
if (recorder.messages.length === 0) throw new Error('the bridge published nothing: is the path working?');
await sleep(2000);
sampleMemory('after start-up');

// Idle: connected, port open, web server listening, nothing arriving. Measured from 10 s on: V8 runs its
// memory reducer's collections once, some seconds after start-up, and that one-off is not what months of idling cost.
await sleep(10_000);
const idleFrom = { bridge: cpuMs(pidOf(bridge)), bare: cpuMs(pidOf(bare)), at: performance.now() };
await sleep(IDLE_SECONDS * 1000);
const idleSeconds = (performance.now() - idleFrom.at) / 1000;
const idle = {
  seconds: idleSeconds,
  bridgeMsPerS: (cpuMs(pidOf(bridge)) - idleFrom.bridge) / idleSeconds,
  bareMsPerS: (cpuMs(pidOf(bare)) - idleFrom.bare) / idleSeconds,
};
sampleMemory('after idle');
const meterlessIdle = { run: rss(pidOf(idleRun)), addon: rss(pidOf(idleAddon)), bare: rss(pidOf(bare)) };
idleRun.kill('SIGTERM');
idleAddon.kill('SIGTERM');
await Promise.all([idleRun, idleAddon].map((c) => new Promise((r) => c.once('exit', r))));
await fakeHa.close();

// Meter pace, measured: CPU per telegram, and latency from the last chunk to the message.
const pacedLatencies: number[] = [];
pacedWrites = 0;
const pacedFrom = { bridge: cpuMs(pidOf(bridge)), bare: cpuMs(pidOf(bare)), at: performance.now() };
for (let t = 0; t < PACED_TELEGRAMS; t++) {
  const mark = recorder.messages.length;
  const lastWrite = await writePaced(nextTelegram());
  const message = await recorder.waitFor(() => true, { from: mark, timeoutMs: 10_000 });
  pacedLatencies.push(message.hr - lastWrite);
}
const paced = {
  telegrams: PACED_TELEGRAMS,
  writes: pacedWrites,
  seconds: (performance.now() - pacedFrom.at) / 1000,
  bridgeMsPerTelegram: (cpuMs(pidOf(bridge)) - pacedFrom.bridge) / PACED_TELEGRAMS,
  bareMsPerTelegram: (cpuMs(pidOf(bare)) - pacedFrom.bare) / PACED_TELEGRAMS,
  latency: latencyOf(pacedLatencies),
};
sampleMemory('after meter pace');

// Burst: each telegram written whole as soon as the previous one's message arrived, with no pause.
const burstLatencies: number[] = [];
for (let i = 0; i < BURST_TELEGRAMS; i++) {
  const mark = recorder.messages.length;
  const written = await write(nextTelegram());
  const message = await recorder.waitFor(() => true, { from: mark, timeoutMs: 10_000 });
  burstLatencies.push(message.hr - written);
}
const burst: Latency = latencyOf(burstLatencies);
sampleMemory(`after a burst of ${BURST_TELEGRAMS}`);

// Load: 20,000 telegrams (28 hours of a meter's) as fast as the bridge publishes them, at most 20 unpublished:
// past that the bench would measure its own backlog in the broker connection, not the bridge. Long enough
// that its second half shows whether memory keeps growing once V8 and malloc have sized themselves for it.
const MAX_IN_FLIGHT = 20;
const base = recorder.messages.length;
const loadFrom = performance.now();
for (let sent = 1; sent <= LOAD_TELEGRAMS; sent++) {
  await write(nextTelegram());
  while (sent - (recorder.messages.length - base) > MAX_IN_FLIGHT) {
    await recorder.waitFor(() => true, { from: recorder.messages.length, timeoutMs: 10_000 });
  }
  if (sent % 2500 === 0) sampleMemory(`after ${sent} more`);
}
const loadRate = LOAD_TELEGRAMS / ((performance.now() - loadFrom) / 1000);
await recorder.waitFor(() => true, { from: base + LOAD_TELEGRAMS - 1, timeoutMs: 10_000 });
const published = recorder.messages.length - base;
// Back to a meter's pace after 22,000 telegrams in seconds: what stays resident is what the next months see.
await sleep(SETTLE_SECONDS * 1000);
sampleMemory(`${SETTLE_SECONDS} s after the load`);

bridge.kill('SIGTERM');
bare.kill('SIGTERM');
await Promise.all([bridge, bare].map((c) => new Promise((r) => c.once('exit', r))));
meter.destroy();
pty.close();
await recorder.close();
await broker.stop();

const figures = {
  node: process.version,
  nodeOptions,
  execArgv,
  containerEnv,
  idle,
  paced,
  burst,
  memory,
  meterlessIdle,
  load: { telegrams: LOAD_TELEGRAMS, published, perSecond: loadRate },
};
saveFigures(`footprint-node${process.versions.node.split('.')[0]}`, figures);

const f = (n: number, digits = 2): string => n.toFixed(digits);
const lat = (l: Latency): string =>
  `p50 ${f(l.p50)} ms, p99 ${f(l.p99)} ms, max ${f(l.max)} ms (${l.samples})`;
console.log(
  `footprint: node ${process.version} ${execArgv.join(' ')}, NODE_OPTIONS="${nodeOptions}"${shownEnv(containerEnv)}`,
);
console.log(
  `footprint: idle CPU over ${f(idle.seconds, 0)} s: bridge ${f(idle.bridgeMsPerS, 3)} ms/s, bare node ${f(idle.bareMsPerS, 3)} ms/s`,
);
console.log(
  `footprint: meter pace, ${paced.telegrams} telegrams in ${paced.writes} writes over ${f(paced.seconds, 0)} s: CPU bridge ${f(paced.bridgeMsPerTelegram)} ms/telegram, bare node ${f(paced.bareMsPerTelegram)}; latency ${lat(paced.latency)}`,
);
console.log(`footprint: burst of ${BURST_TELEGRAMS}: latency ${lat(burst)}`);
for (const m of memory)
  console.log(
    `footprint: RSS ${m.at}: bridge ${f(m.bridge.total, 1)} MiB (anon ${f(m.bridge.anon, 1)}, file ${f(m.bridge.file, 1)}), bare node ${f(m.bare.total, 1)} MiB`,
  );
console.log(
  `footprint: RSS idle without a meter: as run ${f(meterlessIdle.run.total, 1)} MiB, as the add-on (Home Assistant session) ${f(meterlessIdle.addon.total, 1)} MiB, bare node ${f(meterlessIdle.bare.total, 1)} MiB`,
);
console.log(
  `footprint: load ${LOAD_TELEGRAMS} telegrams at ${f(loadRate, 0)}/s, ${published} JSON messages received`,
);
