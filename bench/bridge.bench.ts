import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MeterSimulator } from '../src/simulator/meter-simulator.js';
import { openPtyPair } from '../src/simulator/pty-pair.js';
import { BROKER_PASSWORD, BROKER_USER, startMosquitto } from '../test/support/mosquitto.js';
import { MqttRecorder } from '../test/support/mqtt-recorder.js';

/**
 * The running bridge, end to end, as a separate process: simulator → real pty (socat) → `run` → real
 * Mosquitto → a subscriber. Issue 3 targets: p99 latency < 20 ms from the last byte of a telegram written
 * to the pty to the state message at the subscriber, and RSS < 80 MB and flat after 10,000 telegrams.
 */

const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
const LATENCY_SAMPLES = 300;
const LOAD_TELEGRAMS = 10_000;
const PREFIX = 'bench/smart_meter';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const broker = await startMosquitto();
const pty = await openPtyPair();
const mainTs = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    mainTs,
    'run',
    '--device',
    pty.adapterPath,
    '--key',
    KEY_HEX,
    '--mqtt-url',
    broker.url,
    '--mqtt-user',
    BROKER_USER,
    '--mqtt-password',
    BROKER_PASSWORD,
    '--topic-prefix',
    PREFIX,
    '--log-level',
    'warn',
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
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

const write = (bytes: Buffer): Promise<void> =>
  new Promise((resolve, reject) => meter.write(bytes, (e) => (e ? reject(e) : resolve())));

// Warm up: the bridge opens the pty and connects to the broker; the first telegram proves the path.
for (let i = 0; i < 50 && recorder.messages.length === 0; i++) {
  await write(Buffer.concat(simulator.next()));
  await sleep(200);
}
if (recorder.messages.length === 0) throw new Error('the bridge published nothing: is the path working?');

const latencies: number[] = [];
for (let i = 0; i < LATENCY_SAMPLES; i++) {
  const telegram = Buffer.concat(simulator.next());
  const mark = recorder.messages.length;
  await write(telegram);
  const written = performance.now();
  const message = await recorder.waitFor(() => true, { from: mark, timeoutMs: 2000 });
  latencies.push(message.hr - written);
  await sleep(10);
}
latencies.sort((a, b) => a - b);

const rss: { telegrams: number; mib: number }[] = [{ telegrams: 0, mib: rssMiB(child.pid ?? 0) }];
for (let sent = 1; sent <= LOAD_TELEGRAMS; sent++) {
  await write(Buffer.concat(simulator.next()));
  if (sent % 20 === 0) await sleep(5);
  if (sent % 2500 === 0) {
    await sleep(500);
    rss.push({ telegrams: sent, mib: rssMiB(child.pid ?? 0) });
  }
}
const received = recorder.messages.length;

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
meter.destroy();
pty.close();
await recorder.close();
await broker.stop();

const f = (n: number): string => n.toFixed(2);
console.log(
  `bridge: end-to-end latency pty → bridge → Mosquitto → subscriber over ${latencies.length} telegrams: p50 ${f(percentile(latencies, 50))} ms, p99 ${f(percentile(latencies, 99))} ms, max ${f(latencies.at(-1) ?? Number.NaN)} ms; target p99 < 20 ms`,
);
console.log(
  `bridge: RSS ${rss.map((r) => `${r.mib.toFixed(1)} MiB @${r.telegrams}`).join(', ')} telegrams; target < 80 MB, flat`,
);
console.log(
  `bridge: ${received} json messages received for ${LATENCY_SAMPLES + LOAD_TELEGRAMS} telegrams after warm-up`,
);
