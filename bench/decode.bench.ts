import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_KEY, writeTelegramFile } from './telegram-file.js';

/**
 * Full decode (framer → reassembler → AES → A-XDR → meter model) over a capture file of 10,000
 * telegrams, on one core. Target (issue 2): ≥ 20,000 telegrams/s and no heap growth.
 */

// The built decoder, as the bridge runs it: under tsx, esbuild adds a __name() call for every closure
// created, ~10% of the time in a CPU profile, which the shipped code does not pay.
const built = new URL('../dist/decoder/telegram-decoder.js', import.meta.url);
if (!existsSync(built)) throw new Error('run npm run build first');
const { TelegramDecoder } = (await import(built.href)) as typeof import('../src/decoder/telegram-decoder.js');
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

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(
  `decode: file of ${fmt(TELEGRAMS)} telegrams (${fmt(bytes)} bytes, 4 layouts), ${RUNS} runs, one core`,
);
console.log(
  `decode: throughput median ${fmt(median)} telegrams/s (min ${fmt(rates[0] ?? 0)}, max ${fmt(rates.at(-1) ?? 0)}); target ≥ 20,000`,
);
console.log(
  `decode: heap growth ${(growthPer10k / 1024).toFixed(1)} KiB per 10,000 telegrams over ${fmt(ROUNDS * TELEGRAMS)} telegrams; target none`,
);
