import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dockerfileNodeFlags } from './container-flags.js';

/** The CLI as users start it, a separate process: its output, stdout and stderr interleaved. */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export type CliProcess = {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<number | null>;
};

/** The sources under tsx. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  return startNode(['--import', 'tsx', MAIN, ...args], env);
}

/**
 * The built bundle (npm run build first), with the Dockerfile's node flags, NODE_OPTIONS and GLIBC_TUNABLES,
 * as the container starts it.
 */
export function startBuiltCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const container = dockerfileNodeFlags();
  return startNode([...container.execArgv, BUILT_MAIN, ...args], {
    ...container.env,
    NODE_OPTIONS: container.nodeOptions,
    ...env,
  });
}

function startNode(nodeArgs: readonly string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => chunks.join(''), exit };
}
