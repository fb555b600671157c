import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of linked pseudo-terminals made by socat: the simulator writes into one end, the bridge opens
 * the other like a USB serial adapter. Node cannot create ptys by itself without a native module.
 */
export type PtyPair = {
  /** The end the simulator writes to. */
  readonly meterPath: string;
  /** The end to give the bridge as its serial device (a stable symlink to /dev/pts/N). */
  readonly adapterPath: string;
  close(): void;
};

export async function openPtyPair(dir = mkdtempSync(join(tmpdir(), 'smartmeter-sim-'))): Promise<PtyPair> {
  const meterPath = join(dir, 'meter');
  const adapterPath = join(dir, 'ttySMARTMETER');
  let child: ChildProcess;
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${meterPath}`, `pty,raw,echo=0,link=${adapterPath}`], {
      stdio: 'ignore',
    });
  } catch {
    throw new Error('--pty needs socat (Debian/Ubuntu: apt-get install socat); or use --tcp-listen PORT');
  }
  const failed = new Promise<never>((_, reject) => {
    child.once('error', () =>
      reject(new Error('--pty needs socat (Debian/Ubuntu: apt-get install socat); or use --tcp-listen PORT')),
    );
    child.once('exit', (code) =>
      reject(new Error(`socat exited (${code}) before the pseudo-terminals were ready`)),
    );
  });
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (existsSync(meterPath) && existsSync(adapterPath)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('socat did not create the pseudo-terminals within 2 s');
  })();
  await Promise.race([ready, failed]);
  failed.catch(() => {});
  return {
    meterPath,
    adapterPath,
    close: () => {
      child.removeAllListeners('exit');
      child.kill();
    },
  };
}

/** The /dev/pts/N behind a link, for messages. */
export function ptyTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return path;
  }
}
