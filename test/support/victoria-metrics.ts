import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';
import { failureBound } from './wait.js';

/**
 * A real VictoriaMetrics (Debian's), which accepts InfluxDB line protocol at /api/v2/write, on a free
 * loopback port with its data in a temporary folder that survives stop/start.
 */
export type VictoriaMetrics = {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  exportSeries(match: string): Promise<Sample[]>;
  /** Makes every point it has answered a write for searchable now (it otherwise buffers them for ~1 s). */
  flush(): Promise<void>;
};
export type Sample = { metric: Record<string, string>; values: number[]; timestamps: number[] };

export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'vm-'));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const vm: VictoriaMetrics = {
    url,
    async start() {
      child = spawn(
        'victoria-metrics',
        [
          `-storageDataPath=${dataDir}`,
          `-httpListenAddr=127.0.0.1:${port}`,
          '-retentionPeriod=100y',
          '-loggerLevel=ERROR',
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + failureBound();
      while (Date.now() < deadline) {
        try {
          if ((await fetch(`${url}/health`)).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('victoria-metrics did not start');
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGINT');
      });
    },
    async flush() {
      const response = await fetch(`${url}/internal/force_flush`);
      if (!response.ok) throw new Error(`force_flush: ${response.status}`);
    },
    async exportSeries(match) {
      const response = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`);
      const text = await response.text();
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Sample);
    },
  };
  await vm.start();
  return vm;
}
