import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { builtCli, saveFigures } from './measure.js';
import { BENCH_KEY, writeTelegramFile } from './telegram-file.js';

/**
 * Full decode (framer → reassembler → AES → A-XDR → meter model) over a capture file of 10,000
 * telegrams, in-process on one core, and the `decode` command as a whole process (start-up, reading, JSON
 * out) over 100,000 telegrams, beside a bare `node` that only starts and reads the same file.
 */

// The decoder bundled and minified as tools/build.mjs ships it: under tsx, esbuild adds a __name() call for
// every closure created, ~10% of the time in a CPU profile, which the shipped code does not pay.
const built = fileURLToPath(new URL('./out/telegram-decoder.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('../src/decoder/telegram-decoder.ts', import.meta.url))],
  outfile: built,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
});
const { TelegramDecoder } = (await import(
  pathToFileURL(built).href
)) as typeof import('../src/decoder/telegram-decoder.js');
type TelegramDecoder = InstanceType<typeof TelegramDecoder>;

const TELEGRAMS = 10_000;
const CHUNK = 64 * 1024;
const RUNS = 7;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const path = fileURLToPath(new URL('./out/telegrams-10000.bin', import.meta.url));
const { bytes } = writeTelegramFile(path, TELEGRAMS);
const file = readFileSync(path);

function decodeFile(decoder: TelegramDecoder): number {
  let telegrams = 0;
  for (let offset = 0; offset < file.length; offset += CHUNK) {
    for (const event of decoder.push(file.subarray(offset, offset + CHUNK)))
      if (event.kind === 'telegram') telegrams++;
  }
  return telegrams;
}

// One long-lived decoder, as the bridge has: state must not accumulate across files either.
const decoder = new TelegramDecoder({ encryptionKey: BENCH_KEY });
if (decodeFile(decoder) !== TELEGRAMS) throw new Error('the benchmark file did not decode completely');

const rates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const start = process.hrtime.bigint();
  const count = decodeFile(decoder);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rates.push(count / seconds);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)] ?? 0;

gc();
const before = process.memoryUsage().heapUsed;
const ROUNDS = 10;
for (let round = 0; round < ROUNDS; round++) decodeFile(decoder);
gc();
const after = process.memoryUsage().heapUsed;
const growthPer10k = (after - before) / ROUNDS;

// The decode command, whole process: what a user sees who pipes a day's capture through it.
const CLI_TELEGRAMS = 100_000;
const bigPath = fileURLToPath(new URL(`./out/telegrams-${CLI_TELEGRAMS}.bin`, import.meta.url));
if (!existsSync(bigPath) || statSync(bigPath).size === 0) writeTelegramFile(bigPath, CLI_TELEGRAMS);
const wallMs = (args: string[]): number => {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};
const cliMs: number[] = [];
const bareMs: number[] = [];
for (let run = 0; run < 3; run++) {
  cliMs.push(wallMs([builtCli(), 'decode', '--key', BENCH_KEY.toString('hex'), bigPath]));
  bareMs.push(wallMs(['-e', `require('node:fs').readFileSync(${JSON.stringify(bigPath)})`]));
}
cliMs.sort((a, b) => a - b);
bareMs.sort((a, b) => a - b);
const cliMedianMs = cliMs[1] ?? Number.NaN;

saveFigures(`decode-node${process.versions.node.split('.')[0]}`, {
  node: process.version,
  inProcess: {
    telegrams: TELEGRAMS,
    perSecond: median,
    min: rates[0],
    max: rates.at(-1),
    heapGrowthPer10kKiB: growthPer10k / 1024,
  },
  cli: {
    telegrams: CLI_TELEGRAMS,
    medianMs: cliMedianMs,
    perSecond: CLI_TELEGRAMS / (cliMedianMs / 1000),
    runsMs: cliMs,
    bareNodeReadMs: bareMs[1],
  },
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(
  `decode: file of ${fmt(TELEGRAMS)} telegrams (${fmt(bytes)} bytes, 4 layouts), ${RUNS} runs, one core`,
);
console.log(
  `decode: in-process throughput median ${fmt(median)} telegrams/s (min ${fmt(rates[0] ?? 0)}, max ${fmt(rates.at(-1) ?? 0)})`,
);
console.log(
  `decode: heap growth ${(growthPer10k / 1024).toFixed(1)} KiB per 10,000 telegrams over ${fmt(ROUNDS * TELEGRAMS)} telegrams; target none`,
);
console.log(
  `decode: CLI, whole process, ${fmt(CLI_TELEGRAMS)} telegrams to JSON: median ${fmt(cliMedianMs)} ms = ${fmt(CLI_TELEGRAMS / (cliMedianMs / 1000))} telegrams/s (runs ${cliMs.map(fmt).join(', ')} ms); bare node reading the same file ${fmt(bareMs[1] ?? 0)} ms`,
);
