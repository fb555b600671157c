import { readFileSync } from 'node:fs';

/**
 * The node flags the add-on image starts the bundle with, read from the Dockerfile itself: its NODE_OPTIONS,
 * the flags its CMD gives node (those NODE_OPTIONS may not hold) and its GLIBC_TUNABLES. The bundle test and
 * the footprint bench run what the container runs, not a configuration of their own.
 */
export function dockerfileNodeFlags(): {
  nodeOptions: string;
  execArgv: string[];
  /** The image's other variables that change how node runs (its malloc's tunables). */
  env: Record<string, string>;
} {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const options = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS="…"');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  if (cmd === undefined) throw new Error('the Dockerfile has no CMD [...] line');
  const tunables = /^\s*GLIBC_TUNABLES=(\S+)$/m.exec(dockerfile)?.[1];
  return {
    nodeOptions: options,
    execArgv: (JSON.parse(cmd) as string[]).filter((a) => a.startsWith('--')),
    env: tunables === undefined ? {} : { GLIBC_TUNABLES: tunables },
  };
}
