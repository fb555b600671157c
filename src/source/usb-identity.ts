import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Which USB adapter is behind a tty, read from sysfs, so that an adapter that re-enumerates as another
 * ttyUSB number can be found again. `SerialPort.list()` would need udevadm, which containers lack.
 * The roots are parameters so tests can build a tree shaped like Linux's.
 */

export type UsbIdentity = {
  readonly vendorId: string;
  readonly productId: string;
  readonly serialNumber: string | undefined;
};
export type FsRoots = { readonly sysRoot?: string; readonly devRoot?: string };

const MAX_PARENTS = 8;

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function readUsbIdentity(ttyPath: string, roots: FsRoots = {}): UsbIdentity | undefined {
  const sysRoot = roots.sysRoot ?? '/sys';
  let name: string;
  try {
    name = basename(realpathSync(ttyPath));
  } catch {
    return undefined;
  }
  let dir: string;
  try {
    dir = realpathSync(join(sysRoot, 'class', 'tty', name, 'device'));
  } catch {
    return undefined;
  }
  for (let i = 0; i <= MAX_PARENTS && dir.startsWith(sysRoot); i++) {
    const vendorId = readTrimmed(join(dir, 'idVendor'));
    const productId = readTrimmed(join(dir, 'idProduct'));
    if (vendorId !== undefined && productId !== undefined) {
      return { vendorId, productId, serialNumber: readTrimmed(join(dir, 'serial')) };
    }
    dir = dirname(dir);
  }
  return undefined;
}

function candidates(devRoot: string): string[] {
  const out: string[] = [];
  const byId = join(devRoot, 'serial', 'by-id');
  if (existsSync(byId)) for (const entry of readdirSync(byId).sort()) out.push(join(byId, entry));
  if (existsSync(devRoot)) {
    for (const entry of readdirSync(devRoot).sort())
      if (/^tty(USB|ACM)\d+$/.test(entry)) out.push(join(devRoot, entry));
  }
  return out;
}

/**
 * The tty of the adapter with this identity: by serial number when it has one, otherwise by VID:PID only
 * if exactly one adapter matches (two identical adapters without serial numbers cannot be told apart).
 * A /dev/serial/by-id path is preferred over a ttyUSBn name.
 */
export function findTtyByUsbIdentity(identity: UsbIdentity, roots: FsRoots = {}): string | undefined {
  const matches: { path: string; real: string }[] = [];
  for (const path of candidates(roots.devRoot ?? '/dev')) {
    const found = readUsbIdentity(path, roots);
    if (found === undefined || found.vendorId !== identity.vendorId || found.productId !== identity.productId)
      continue;
    if (identity.serialNumber !== undefined && found.serialNumber !== identity.serialNumber) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    matches.push({ path, real });
  }
  const devices = new Set(matches.map((m) => m.real));
  if (devices.size !== 1) return undefined;
  return matches.find((m) => m.path.includes('/serial/by-id/'))?.path ?? matches[0]?.path;
}
