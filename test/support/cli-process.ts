import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI as users start it, a separate process (under tsx): its output, stdout and stderr interleaved. */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export type CliProcess = {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<number | null>;
};

export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => chunks.join(''), exit };
}
