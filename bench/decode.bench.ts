import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { builtCli, saveFigures } from './measure.js';
import { BENCH_FRAMINGS, BENCH_KEY, type BenchFraming, writeTelegramFile } from './telegram-file.js';

/**
 * Full decode (framer → reassembler → AES → A-XDR → meter model) over a capture file of 10,000
 * telegrams, in-process on one core, and the `decode` command as a whole process (start-up, reading, JSON
 * out) over 100,000 telegrams, beside a bare `node` that only starts and reads the same file.
 */

// The decoder bundled and minified as tools/build.mjs ships it: under tsx, esbuild adds a __name() call for
// every closure created, ~10% of the time in a CPU profile, which the shipped code does not pay.
const built = fileURLToPath(new URL('./out/telegram-decoder.mjs', import.meta.url));
// A child measuring one framing (below) uses the parent's bundle.
const ONE_FRAMING = process.env['BENCH_ONE_FRAMING'] as BenchFraming | undefined;
if (ONE_FRAMING === undefined)
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

type Capture = {
  framing: BenchFraming;
  file: Buffer;
  bytes: number;
  frames: number;
  decoder: TelegramDecoder;
};
const captures: Capture[] = (ONE_FRAMING === undefined ? BENCH_FRAMINGS : [ONE_FRAMING]).map((framing) => {
  const name = framing === 'mbus' ? '' : `-${framing.replace('+', '-')}`;
  const path = fileURLToPath(new URL(`./out/telegrams-${TELEGRAMS}${name}.bin`, import.meta.url));
  // A child reads the file its parent wrote: encoding 10,000 telegrams here would run the cipher and Buffer
  // code that the decoder shares with the encoder on other inputs first, and the decoder's speed would then
  // depend on what the JIT made of that (one run in three measured ~105k/s instead of ~175k/s).
  const { bytes, frames } =
    ONE_FRAMING === undefined
      ? writeTelegramFile(path, TELEGRAMS, framing)
      : { bytes: statSync(path).size, frames: 0 };
  // One long-lived decoder per framing, as the bridge has: state must not accumulate across files either.
  return {
    framing,
    file: readFileSync(path),
    bytes,
    frames,
    decoder: new TelegramDecoder({ encryptionKey: BENCH_KEY }),
  };
});
const mbus = captures[0] as Capture;

function decodeFile({ file, decoder }: Capture): number {
  let telegrams = 0;
  for (let offset = 0; offset < file.length; offset += CHUNK) {
    for (const event of decoder.push(file.subarray(offset, offset + CHUNK)))
      if (event.kind === 'telegram') telegrams++;
  }
  return telegrams;
}

for (const capture of captures)
  if (decodeFile(capture) !== TELEGRAMS)
    throw new Error(`the ${capture.framing} benchmark file did not decode completely`);

/** RUNS timed decodes of one capture, after the check above warmed it up. */
function ratesOf(capture: Capture): number[] {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const count = decodeFile(capture);
    rates.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return rates;
}

if (ONE_FRAMING !== undefined) {
  process.stdout.write(JSON.stringify(ratesOf(mbus)));
  process.exit(0);
}

// Each framing in a process of its own, as the bridge's decoder settles on one framing: in one process the
// paths' shared call sites would see every framing, and their speed then depends on the order they ran in
// (one run measured M-Bus at 104k/s interleaved and 170k/s alone). The framings take turns, round by round, so
// that another process's load on the shared cores falls on all of them alike and the ratio between them holds.
const PROCESS_ROUNDS = 3;
const rates = new Map<BenchFraming, number[]>(BENCH_FRAMINGS.map((f) => [f, []]));
for (let round = 0; round < PROCESS_ROUNDS; round++) {
  for (const framing of BENCH_FRAMINGS) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)],
      {
        env: { ...process.env, BENCH_ONE_FRAMING: framing },
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`the ${framing} measurement exited ${child.status}`);
    rates.get(framing)?.push(...(JSON.parse(child.stdout) as number[]));
  }
}
const medianOf = (values: number[]): number => {
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
};
const perFraming = captures.map((c) => {
  const runs = rates.get(c.framing) ?? [];
  return {
    framing: c.framing,
    telegrams: TELEGRAMS,
    bytes: c.bytes,
    frames: c.frames,
    perSecond: medianOf(runs),
    min: runs[0],
    max: runs.at(-1),
  };
});
const mbusRates = rates.get('mbus') ?? [];
const median = perFraming[0]?.perSecond ?? 0;
const decodeMbus = (): number => decodeFile(mbus);

gc();
const before = process.memoryUsage().heapUsed;
const ROUNDS = 10;
for (let round = 0; round < ROUNDS; round++) decodeMbus();
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
    min: mbusRates[0],
    max: mbusRates.at(-1),
    heapGrowthPer10kKiB: growthPer10k / 1024,
  },
  framings: perFraming,
  cli: {
    telegrams: CLI_TELEGRAMS,
    medianMs: cliMedianMs,
    perSecond: CLI_TELEGRAMS / (cliMedianMs / 1000),
    runsMs: cliMs,
    bareNodeReadMs: bareMs[1],
  },
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
for (const p of perFraming)
  console.log(
    `decode: ${p.framing}, ${fmt(TELEGRAMS)} telegrams (4 layouts) in ${fmt(p.frames)} frames, ${fmt(p.bytes)} bytes: in-process median ${fmt(p.perSecond)} telegrams/s over ${PROCESS_ROUNDS} processes × ${RUNS} runs (min ${fmt(p.min ?? 0)}, max ${fmt(p.max ?? 0)}), one core`,
  );
console.log(
  `decode: heap growth ${(growthPer10k / 1024).toFixed(1)} KiB per 10,000 telegrams over ${fmt(ROUNDS * TELEGRAMS)} telegrams; target none`,
);
console.log(
  `decode: CLI, whole process, ${fmt(CLI_TELEGRAMS)} telegrams to JSON: median ${fmt(cliMedianMs)} ms = ${fmt(CLI_TELEGRAMS / (cliMedianMs / 1000))} telegrams/s (runs ${cliMs.map(fmt).join(', ')} ms); bare node reading the same file ${fmt(bareMs[1] ?? 0)} ms`,
);
