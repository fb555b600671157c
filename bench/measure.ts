import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dockerfileNodeFlags } from '../test/support/container-flags.js';

/** What the bench measures a process with, and where each bench leaves its figures for the report. */

const root = new URL('../', import.meta.url);

/**
 * The V8 flags and malloc tunables the container starts the bridge with (test/support/container-flags.ts), so
 * that the figures are the container's. BENCH_NODE_OPTIONS overrides the NODE_OPTIONS (and, without
 * BENCH_EXEC_ARGV, drops the CMD's flags and the image's GLIBC_TUNABLES: set it in the environment to keep it),
 * BENCH_EXEC_ARGV the CMD's flags.
 */
export function containerNodeFlags(): {
  nodeOptions: string;
  execArgv: string[];
  env: Record<string, string>;
} {
  const override = process.env['BENCH_NODE_OPTIONS'];
  const execArgv = process.env['BENCH_EXEC_ARGV']?.split(' ').filter((a) => a !== '');
  if (override !== undefined) return { nodeOptions: override, execArgv: execArgv ?? [], env: {} };
  const container = dockerfileNodeFlags();
  return { nodeOptions: container.nodeOptions, execArgv: execArgv ?? container.execArgv, env: container.env };
}

/** The container's variables as the bench prints them after its flags: ` NAME=value` each. */
export function shownEnv(env: Record<string, string> = {}): string {
  return Object.entries(env)
    .map(([name, value]) => ` ${name}=${value}`)
    .join('');
}

/** The command the package installs (package.json bin), as npx and the container run it: built, not tsx. */
export function builtCli(): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    bin: Record<string, string>;
  };
  const bin = pkg.bin['smartmeter-bridge'];
  if (bin === undefined) throw new Error('package.json has no smartmeter-bridge bin');
  const path = fileURLToPath(new URL(bin, root));
  if (!existsSync(path)) throw new Error('run npm run build first');
  return path;
}

/**
 * CPU time of every thread of a process so far, in ms, from the scheduler's own nanosecond account
 * (/proc/PID/task/TID/schedstat): utime/stime count 10 ms ticks, too coarse for an idle process.
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6;
}

export type Rss = { total: number; anon: number; file: number };

/** VmRSS and its parts in MiB: anonymous (heap, buffers) and file-backed (mostly the node executable's pages). */
export function rss(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { total: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export type Latency = { samples: number; p50: number; p99: number; max: number };

export function latencyOf(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const outDir = fileURLToPath(new URL('bench/out/', root));

/** Each bench leaves its figures as JSON; bench/report.ts sets them beside the targets. */
export function saveFigures(name: string, figures: unknown): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}${name}.json`, `${JSON.stringify(figures, null, 2)}\n`);
}

export function loadFigures<T>(name: string): T | undefined {
  const path = `${outDir}${name}.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

export const benchOutDir = outDir;
