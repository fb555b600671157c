import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Debian's buildah, driven the way ../shared/docs/image-build.md found works without a Docker engine: vfs
 * storage, chroot isolation, Docker image format (the OCI format drops HEALTHCHECK). Its storage lives in
 * /var/cache/smartmeter-bridge/containers, apart from any other buildah use on the machine, and persists
 * between runs: that is where the stand-in base stays cached (`rm -rf` the folder to start cold).
 */

export const STORAGE_ROOT = '/var/cache/smartmeter-bridge/containers';
const RUN_ROOT = '/run/smartmeter-bridge/containers';
export const GLOBAL_ARGS = ['--root', STORAGE_ROOT, '--runroot', RUN_ROOT, '--storage-driver', 'vfs'];

/** An executable on PATH or in the sbin folders (debootstrap lives in /usr/sbin, not on every PATH). */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

/** Why the image tests cannot run here, or undefined when they can. */
export function imageToolsMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (buildah with vfs storage and chroot isolation)';
  const missing = ['buildah', 'debootstrap', 'unshare', 'nsenter', 'ip', 'socat'].filter(
    (tool) => findTool(tool) === undefined,
  );
  if (missing.length > 0)
    return `missing ${missing.join(', ')} (Debian: apt-get install buildah debootstrap util-linux iproute2 socat)`;
  return undefined;
}

export function buildahPath(): string {
  return findTool('buildah') ?? 'buildah';
}

/** Runs a command, resolves its stdout; a failure names the command and carries its stderr. */
export function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: env ?? process.env },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-4000)}`));
      },
    );
  });
}

export function buildah(args: readonly string[]): Promise<string> {
  return run(buildahPath(), [...GLOBAL_ARGS, ...args]);
}

/** Runs a long command with its output in `logFile`; a failure quotes the log's end. */
export function runLogged(file: string, args: readonly string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code) => {
      log.end(() => {
        if (code === 0) resolve();
        else {
          const tail = readFileSync(logFile, 'utf8').slice(-6000);
          reject(new Error(`${file} ${args.join(' ')} exited with ${code}; end of ${logFile}:\n${tail}`));
        }
      });
    });
  });
}

export type ImageListing = { id: string; names: string[] };

export async function listImages(): Promise<ImageListing[]> {
  const out = await buildah(['images', '--json']);
  return out.trim() === '' ? [] : (JSON.parse(out) as ImageListing[]);
}

export async function imageExists(name: string): Promise<boolean> {
  return (await listImages()).some((image) => image.names.includes(name));
}

export type ImageFacts = {
  cmd: string[];
  entrypoint: string[];
  healthcheck: string[] | undefined;
  /** Uncompressed size of each layer, base first. */
  layerBytes: number[];
};

/** The parts of `buildah inspect` the tests need (its --format templates have no json function). */
export async function inspectImage(name: string): Promise<ImageFacts> {
  const info = JSON.parse(await buildah(['inspect', '--type', 'image', name])) as {
    Manifest: string;
    Docker: { config: { Cmd?: string[]; Entrypoint?: string[]; Healthcheck?: { Test?: string[] } } };
  };
  const manifest = JSON.parse(info.Manifest) as { layers: { size: number }[] };
  return {
    cmd: info.Docker.config.Cmd ?? [],
    entrypoint: info.Docker.config.Entrypoint ?? [],
    healthcheck: info.Docker.config.Healthcheck?.Test,
    layerBytes: manifest.layers.map((layer) => layer.size),
  };
}

/** Every process below `pid`, with its command line (from /proc). */
export function descendants(pid: number): { pid: number; argv: string[] }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The second field is the command in parentheses and may hold spaces: ppid is the second after ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const found: { pid: number; argv: string[] }[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    try {
      const argv = readFileSync(`/proc/${next}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      found.push({ pid: next, argv });
    } catch {}
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
