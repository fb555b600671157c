import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MeterSimulator } from '../src/simulator/meter-simulator.js';
import { openPtyPair } from '../src/simulator/pty-pair.js';
import { freeTcpPort } from '../src/web/free-port.js';
import { BROKER_PASSWORD, BROKER_USER, brokerFlags, startMosquitto } from '../test/support/mosquitto.js';
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

type Rss = { telegrams: number; total: number; anon: number };

/** VmRSS, and the anonymous part of it: the rest is mostly the node executable's pages, shared and reclaimable. */
function residentMemory(pid: number, telegrams: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { telegrams, total: field('VmRSS'), anon: field('RssAnon') };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * V8 flags the container runs the bridge with (Dockerfile NODE_OPTIONS): a 1 MB young generation, a 64 MB
 * cap on the old one and one V8 worker thread. The live heap is ~13 MB; without the cap, this accelerated
 * load (3,000 times a meter's pace) promotes short-lived garbage that V8 collects only once the old
 * generation has doubled, and RSS climbs from ~67 to ~92 MiB before it falls. Without any flags it is
 * ~110 MiB. BENCH_CHILD_NODE_OPTIONS overrides them (e.g. '' or --trace-gc).
 */
const CHILD_NODE_OPTIONS =
  process.env['BENCH_CHILD_NODE_OPTIONS'] ??
  '--max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1';

const broker = await startMosquitto();
const pty = await openPtyPair();
// The built bridge, as it runs in the container: tsx's loader would add its own memory to the RSS.
const mainJs = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(mainJs)) throw new Error('run npm run build first');
const child = spawn(
  process.execPath,
  [
    mainJs,
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
    // The web page's server runs too, as in the add-on and the systemd unit: its live state is part of the footprint.
    '--http-port',
    String(await freeTcpPort(0)),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_OPTIONS: CHILD_NODE_OPTIONS } },
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

// Load: 10,000 telegrams as fast as the bridge publishes them (a meter sends one per 5 s, so this is
// 14 hours of telegrams). At most MAX_IN_FLIGHT unpublished telegrams: past that the bench would measure
// its own backlog in the broker connection, not the bridge's footprint.
const MAX_IN_FLIGHT = 20;
const rss: Rss[] = [residentMemory(child.pid ?? 0, 0)];
const base = recorder.messages.length;
const started = performance.now();
for (let sent = 1; sent <= LOAD_TELEGRAMS; sent++) {
  await write(Buffer.concat(simulator.next()));
  while (sent - (recorder.messages.length - base) > MAX_IN_FLIGHT) await sleep(1);
  if (sent % 2500 === 0) {
    await sleep(200);
    rss.push(residentMemory(child.pid ?? 0, sent));
  }
}
const loadSeconds = (performance.now() - started) / 1000;
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
  `bridge: RSS (node ${process.version} ${CHILD_NODE_OPTIONS || 'without flags'}) ${rss.map((r) => `${r.total.toFixed(1)} MiB @${r.telegrams}`).join(', ')} telegrams; target < 80 MB, flat`,
);
console.log(
  `bridge: of which anonymous (heap, buffers; the rest is the node executable's pages) ${rss.map((r) => `${r.anon.toFixed(1)} MiB`).join(', ')}`,
);
console.log(
  `bridge: ${received} json messages received for ${LATENCY_SAMPLES + LOAD_TELEGRAMS} telegrams after warm-up; load ${(LOAD_TELEGRAMS / loadSeconds).toFixed(0)} telegrams/s sustained`,
);
