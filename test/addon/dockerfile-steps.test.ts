import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPtyPair } from '../../src/simulator/pty-pair.js';

/**
 * The Dockerfile's build steps, run as far as a machine without a Docker engine allows: the same files
 * copied into a scratch folder, `npm ci`, `npm run build`, `npm prune --omit=dev`; then what the final
 * image would ship (package.json, node_modules, dist) must hold no dev dependency and still start.
 * The Dockerfile's own rebuild of serialport's native binding runs too (here against glibc), and the shipped
 * tree opens a real pseudo-terminal with it. Not covered here: the Alpine base image, `apk add`, musl.
 */

/** The shell command of the Dockerfile's RUN instruction that contains `marker`, continuation lines joined. */
function dockerfileRun(marker: string): string {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const run = text.split('\n').find((line) => line.startsWith('RUN ') && line.includes(marker));
  assert.ok(run, `no RUN with ${marker} in the Dockerfile`);
  return run.slice('RUN '.length);
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function npm(args: string[], cwd: string): void {
  execFileSync('npm', args, {
    cwd,
    stdio: 'pipe',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

describe('Dockerfile build steps', () => {
  it('build in a scratch copy, prune to production, and the result starts without any dev dependency', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'image-'));
    // What the Dockerfile's COPY lines take from the build context.
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tools/build.mjs', 'src']) {
      cpSync(join(ROOT, file), join(dir, file), { recursive: true });
    }
    npm(['ci', '--no-audit', '--no-fund'], dir);
    execFileSync('sh', ['-c', dockerfileRun('node-gyp rebuild')], { cwd: dir, stdio: 'pipe' });
    npm(['run', 'build'], dir);
    npm(['prune', '--omit=dev'], dir);

    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    // A dev dependency may also be a production dependency's dependency (mqtt depends on @types/node);
    // only one that nothing in production needs must be gone.
    const production = new Set(
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' })
        .split('\n')
        .map((path) => path.split('node_modules/').at(-1) ?? ''),
    );
    const shipped = Object.keys(pkg.devDependencies).filter(
      (name) => existsSync(join(dir, 'node_modules', name)) && !production.has(name),
    );
    assert.deepEqual(shipped, [], 'dev dependencies left in the image');
    for (const name of ['typescript', 'tsx', '@biomejs/biome', 'fast-check'])
      assert.equal(existsSync(join(dir, 'node_modules', name)), false, name);
    for (const name of Object.keys(pkg.dependencies))
      assert.ok(existsSync(join(dir, 'node_modules', name)), `${name} missing`);
    assert.ok(existsSync(join(dir, 'dist', 'addon', 'main.js')));

    // The shipped tree runs: the add-on entry point reports missing options in words, the CLI loads its commands.
    const addon = spawnSync(process.execPath, [join(dir, 'dist', 'addon', 'main.js')], {
      env: { PATH: process.env['PATH'], SMARTMETER_OPTIONS: join(dir, 'missing-options.json') },
      encoding: 'utf8',
    });
    assert.equal(addon.status, 1);
    assert.match(addon.stdout, /missing-options\.json does not exist/);
    const version = spawnSync(process.execPath, [join(dir, 'dist', 'cli', 'main.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.equal(
      version.stdout.trim(),
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const demoHelp = spawnSync(process.execPath, [join(dir, 'dist', 'cli', 'main.js'), 'demo', '--help'], {
      encoding: 'utf8',
    });
    assert.equal(demoHelp.status, 0, demoHelp.stderr);
    const serial = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { SerialPort } = await import('serialport'); console.log(typeof SerialPort)",
      ],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    assert.equal(serial.stdout.trim(), 'function', serial.stderr);

    // The binding it loads is the one built by the Dockerfile's step, and it opens a real pty at 2400 8E1.
    const pty = await openPtyPair();
    try {
      const opened = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { SerialPort } = await import('serialport');
           const { default: build } = await import('node-gyp-build');
           console.log(build.resolve('node_modules/@serialport/bindings-cpp'));
           const port = new SerialPort({ path: ${JSON.stringify(pty.adapterPath)}, baudRate: 2400, parity: 'even' });
           port.on('open', () => { console.log('open'); port.close(); });
           port.on('error', (e) => { console.log('error ' + e.message); });`,
        ],
        { cwd: dir, encoding: 'utf8', timeout: 10_000 },
      );
      assert.deepEqual(
        opened.stdout.trim().split('\n'),
        [join(dir, 'node_modules/@serialport/bindings-cpp/build/Release/bindings.node'), 'open'],
        opened.stderr,
      );
    } finally {
      pty.close();
    }
  });
});
