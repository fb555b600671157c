import type { Latency, Rss } from './measure.js';
import { loadFigures, shownEnv } from './measure.js';

/**
 * The figures of this run's benches beside their baselines, the targets of issue 14 and what the issue
 * measured before the work on it, with which targets are met.
 */

type Decode = {
  node: string;
  inProcess: { perSecond: number; heapGrowthPer10kKiB: number };
  framings?: { framing: string; telegrams: number; frames: number; perSecond: number }[];
  cli: { telegrams: number; perSecond: number; medianMs: number; bareNodeReadMs: number };
};
type Footprint = {
  node: string;
  nodeOptions: string;
  execArgv: string[];
  /** Older figure files lack it. */
  containerEnv?: Record<string, string>;
  idle: { bridgeMsPerS: number; bareMsPerS: number };
  paced: { bridgeMsPerTelegram: number; bareMsPerTelegram: number; latency: Latency };
  burst: Latency;
  memory: { at: string; bridge: Rss; bare: Rss }[];
  /** Older figure files lack it. */
  meterlessIdle?: { run: Rss; addon: Rss; bare: Rss };
  load?: { telegrams: number };
};

const major = process.versions.node.split('.')[0];
const decode = loadFigures<Decode>(`decode-node${major}`);
const footprint = loadFigures<Footprint>(`footprint-node${major}`);
if (decode === undefined || footprint === undefined)
  throw new Error('run the decode and footprint benches first');

const maxOf = (values: number[]): number => Math.max(...values);
/** The bridge as it runs for months: started, idle, and reading a meter at its pace. */
const running = footprint.memory.filter(
  (m) => !m.at.includes('burst') && !m.at.includes('load') && !m.at.includes('more'),
);
const flood = footprint.memory.filter((m) => m.at.includes('burst') || m.at.includes('more'));
const during = footprint.memory.filter((m) => m.at.includes('more'));
/** The flood's second half (older figure files, of a 10,000-telegram flood, from its first quarter on). */
const growing = during.length >= 8 ? during.slice(Math.floor(during.length / 2) - 1) : during;
const settled = footprint.memory.at(-1);
const bridgeRss = maxOf(running.map((m) => m.bridge.total));
const bareRss = maxOf(footprint.memory.map((m) => m.bare.total));
const floodRss = maxOf(flood.map((m) => m.bridge.total));
/**
 * "Flat": RSS does not grow with the number of telegrams. Judged over the flood's second half, once V8 and
 * malloc have sized themselves for its allocation rate (a size they keep afterwards: see the settled row):
 * that took up to 7,500 telegrams on Node 22 once readable-stream was gone and glibc trimmed its heap.
 */
const growth = (growing.at(-1)?.bridge.total ?? Number.NaN) - (growing[0]?.bridge.total ?? Number.NaN);
const FLAT_MIB = 2;

const f = (n: number, digits = 1): string => n.toFixed(digits);
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
type Row = [measure: string, ours: string, baseline: string, target: string, met: boolean, before: string];
const rows: Row[] = [
  [
    'CPU per telegram at meter pace',
    `${f(footprint.paced.bridgeMsPerTelegram)} ms`,
    `bare node ${f(footprint.paced.bareMsPerTelegram, 2)} ms`,
    '≤ 15 ms',
    footprint.paced.bridgeMsPerTelegram <= 15,
    '218 ms',
  ],
  [
    'CPU when idle',
    `${f(footprint.idle.bridgeMsPerS, 2)} ms/s`,
    `bare node ${f(footprint.idle.bareMsPerS, 2)} ms/s`,
    '≤ 0.5 ms/s',
    footprint.idle.bridgeMsPerS <= 0.5,
    '1.6–2.3 ms/s',
  ],
  [
    'RSS: start-up, idle, meter pace (highest)',
    `${f(bridgeRss)} MiB`,
    `bare node ${f(bareRss)} MiB`,
    `≤ ${f(bareRss + 12)} MiB`,
    bridgeRss <= bareRss + 12,
    '62–76 MiB',
  ],
  [
    `RSS under a flood of ${k(2000 + (footprint.load?.telegrams ?? 10_000))} (highest)`,
    `${f(floodRss)} MiB`,
    '',
    '',
    true,
    '84 MiB after a burst',
  ],
  [
    `RSS ${growing[0]?.at ?? ''} → ${growing.at(-1)?.at ?? ''}`,
    `${growth >= 0 ? '+' : ''}${f(growth)} MiB`,
    '',
    `flat (≤ ${FLAT_MIB} MiB)`,
    growth <= FLAT_MIB,
    '',
  ],
  [`RSS ${settled?.at ?? ''}`, `${f(settled?.bridge.total ?? Number.NaN)} MiB`, '', '', true, ''],
  ...(footprint.meterlessIdle === undefined
    ? []
    : [
        [
          'RSS idle, no meter: as the add-on (HA session)',
          `${f(footprint.meterlessIdle.addon.total)} MiB`,
          `as run ${f(footprint.meterlessIdle.run.total)}, bare ${f(footprint.meterlessIdle.bare.total)} MiB`,
          '',
          true,
          '',
        ] as Row,
      ]),
  [
    'decoder in-process (M-Bus)',
    `${k(decode.inProcess.perSecond)}/s`,
    '',
    '≥ 150k/s',
    decode.inProcess.perSecond >= 150_000,
    '34–46k/s',
  ],
  // Issue 15: the same APDUs in each framing the decoder reads; every HDLC path within 20% of M-Bus.
  ...(decode.framings ?? [])
    .filter((p) => p.framing !== 'mbus')
    .map((p): Row => {
      const ratio = p.perSecond / decode.inProcess.perSecond;
      return [
        `decoder in-process, ${p.framing} (${f(p.frames / p.telegrams)} frames a telegram)`,
        `${k(p.perSecond)}/s`,
        `M-Bus ${k(decode.inProcess.perSecond)}/s: ${ratio >= 1 ? '+' : ''}${f(100 * (ratio - 1), 0)}%`,
        'within 20% of M-Bus',
        ratio >= 0.8,
        '',
      ];
    }),
  [
    `decode CLI, ${k(decode.cli.telegrams)} telegrams`,
    `${k(decode.cli.perSecond)}/s`,
    `bare node reads it in ${f(decode.cli.bareNodeReadMs, 0)} ms`,
    '≥ 60k/s',
    decode.cli.perSecond >= 60_000,
    '21.6k/s',
  ],
  [
    'latency p50/p99/max at meter pace',
    `${f(footprint.paced.latency.p50, 2)}/${f(footprint.paced.latency.p99, 2)}/${f(footprint.paced.latency.max, 2)} ms`,
    '',
    '',
    true,
    '',
  ],
  [
    'latency p50/p99/max, burst of 2,000',
    `${f(footprint.burst.p50, 2)}/${f(footprint.burst.p99, 2)}/${f(footprint.burst.max, 2)} ms`,
    '',
    'p99 ≤ 5 ms',
    footprint.burst.p99 <= 5,
    'p50 1.4, p99 43 ms',
  ],
];

console.log(
  `\nissue 14 targets, node ${process.version} ${footprint.execArgv.join(' ')}, container NODE_OPTIONS="${footprint.nodeOptions}"${shownEnv(footprint.containerEnv)}`,
);
const header: Row = ['measure', 'ours', 'baseline (same run)', 'target', true, 'before (issue 14)'];
const cells = (r: Row): string[] => [
  r[0],
  r[1],
  r[2],
  r[3],
  r === header ? 'met' : r[3] === '' ? '' : r[4] ? 'yes' : 'NO',
  r[5],
];
const widths = cells(header).map((_, i) =>
  Math.max(...[header, ...rows].map((r) => (cells(r)[i] ?? '').length)),
);
for (const r of [header, ...rows])
  console.log(
    cells(r)
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
const missed = rows.filter((r) => r[3] !== '' && !r[4]).length;
console.log(missed === 0 ? 'all targets met' : `${missed} target(s) not met`);
