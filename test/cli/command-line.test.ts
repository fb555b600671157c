import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { startCli } from '../support/cli-process.js';
import { until } from '../support/wait.js';

/**
 * The command line as a newcomer meets it, each command a child process: a mistyped option says which one
 * was meant and where the help is; `decode … | head -1` ends quietly; `udev-rule --output` writes nothing
 * (not even an empty file) when it cannot find the adapter.
 */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = '000102030405060708090A0B0C0D0E0F';

function cli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SERIAL_KEY: '', ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('an unknown option', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'run',
      ['run', '--kye', KEY],
      /--kye: unknown option; did you mean --key\? \(see smartmeter-bridge run --help\)/,
    ],
    [
      'run, an option of the old project',
      ['--serial_kye', KEY],
      /--serial_kye: unknown option; did you mean --serial_key\? \(see smartmeter-bridge run --help\)/,
    ],
    [
      'decode',
      ['decode', '--kye', KEY],
      /--kye: unknown option; did you mean --key\? \(see smartmeter-bridge decode --help\)/,
    ],
    [
      'simulate',
      ['simulate', '--key', KEY, '--intervall', '1', '--pty'],
      /--intervall: unknown option; did you mean --interval\? \(see smartmeter-bridge simulate --help\)/,
    ],
    [
      'demo',
      ['demo', '--prot', '1883'],
      /--prot: unknown option; did you mean --port\? \(see smartmeter-bridge demo --help\)/,
    ],
    [
      'udev-rule',
      ['udev-rule', '--nmae', 'meter'],
      /--nmae: unknown option; did you mean --name\? \(see smartmeter-bridge udev-rule --help\)/,
    ],
    [
      'far from every option',
      ['decode', '--colour', 'blue'],
      /^[^\n]*--colour: unknown option \(see smartmeter-bridge decode --help\)/,
    ],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: names it, the option meant and --help, in one line, exit 2`, () => {
      const { status, stdout, stderr } = cli(args);
      assert.equal(status, 2, stderr);
      assert.equal(stdout, '');
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, expected);
      assert.doesNotMatch(
        stderr,
        /positional|\bat .*\.(ts|js):\d+/,
        'not Node’s parser text, no stack trace',
      );
    });
  }

  it('a missing value is named too', () => {
    const { status, stderr } = cli(['demo', '--port']);
    assert.equal(status, 2);
    assert.match(stderr, /^--port: needs a value \(see smartmeter-bridge demo --help\)$/m);
  });
});

describe('decode into a pipe that closes early (decode … | head -1)', () => {
  it('ends quietly with status 0, no EPIPE and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'decode-pipe-'));
    const capture = join(dir, 'capture.bin');
    const simulator = new MeterSimulator({
      layout: 'ksm-west',
      key: Buffer.from(KEY, 'hex'),
      intervalMs: 5000,
    });
    // Far more output than a pipe holds, so decode is still writing when the reader has gone.
    writeFileSync(
      capture,
      Buffer.concat(Array.from({ length: 3000 }, () => Buffer.concat(simulator.next()))),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'decode', '--key', KEY, capture], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Like head -1: read the first line, then close the read end of the pipe.
    const firstLine = await new Promise<string>((resolve) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) {
          child.stdout.destroy();
          resolve(text.slice(0, text.indexOf('\n')));
        }
      });
    });
    assert.match(firstLine, /^\{"meter_id":/);
    assert.equal(await exit, 0, stderr);
    assert.equal(stderr, '', 'nothing on stderr');
  });
});

describe('udev-rule', () => {
  /** A /sys and /dev with one FTDI adapter, as test/integration/outside-ha.test.ts builds them. */
  function fakeAdapter(): { root: string; device: string; sysRoot: string } {
    const root = mkdtempSync(join(tmpdir(), 'udev-out-'));
    const usb = join(root, 'sys', 'devices', 'usb1', '1-1');
    mkdirSync(join(usb, '1-1:1.0', 'ttyUSB0'), { recursive: true });
    writeFileSync(join(usb, 'idVendor'), '0403\n');
    writeFileSync(join(usb, 'idProduct'), '6001\n');
    writeFileSync(join(usb, 'serial'), 'A10KXYZ\n');
    mkdirSync(join(root, 'sys', 'class', 'tty', 'ttyUSB0'), { recursive: true });
    symlinkSync(join(usb, '1-1:1.0', 'ttyUSB0'), join(root, 'sys', 'class', 'tty', 'ttyUSB0', 'device'));
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'dev', 'ttyUSB0'), '');
    return { root, device: join(root, 'dev', 'ttyUSB0'), sysRoot: join(root, 'sys') };
  }

  it('--output FILE: no adapter, no file (not an empty one), nothing on stdout, exit 1', () => {
    const { root, sysRoot } = fakeAdapter();
    const rules = join(root, '99-smartmeter.rules');
    const { status, stdout, stderr } = cli([
      'udev-rule',
      join(root, 'dev', 'ttyUSB7'),
      '--sys-root',
      sysRoot,
      '--output',
      rules,
    ]);
    assert.equal(status, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /ttyUSB7 is not a USB serial adapter/);
    assert.equal(existsSync(rules), false, 'no rules file at all');
  });

  it('--output FILE: the rule, whole, in FILE; an older FILE is replaced', () => {
    const { root, device, sysRoot } = fakeAdapter();
    const rules = join(root, '99-smartmeter.rules');
    writeFileSync(rules, '# an older rule\n');
    const { status, stdout } = cli(['udev-rule', device, '--sys-root', sysRoot, '--output', rules]);
    assert.equal(status, 0);
    assert.equal(stdout, '');
    assert.match(
      readFileSync(rules, 'utf8'),
      /^# smartmeter-bridge: the M-Bus adapter as \/dev\/smartmeter\nSUBSYSTEM=="tty", .*ATTRS\{serial\}=="A10KXYZ", SYMLINK\+="smartmeter", MODE="0660", GROUP="dialout"\n$/,
    );
  });

  it('printing (for a pipe): no adapter prints nothing on stdout', () => {
    const { root, sysRoot } = fakeAdapter();
    const { status, stdout } = cli(['udev-rule', join(root, 'dev', 'ttyUSB7'), '--sys-root', sysRoot]);
    assert.equal(status, 1);
    assert.equal(stdout, '');
  });
});

describe('run without --device', () => {
  it('says in --help and in the log that it reads /dev/ttyUSB0', async () => {
    assert.match(
      cli(['run', '--help']).stdout,
      /without --device \(or SERIAL_PORT\) it reads \/dev\/ttyUSB0/,
    );
    const run = startCli(['run', '--key', KEY, '--mqtt-url', 'mqtt://127.0.0.1:1'], { SERIAL_PORT: '' });
    try {
      await until(
        () => run.output().includes('WARN  no device given'),
        () => `the warning:\n${run.output()}`,
      );
      assert.match(
        run.output(),
        /WARN {2}no device given \(--device, SERIAL_PORT or the add-on's device option\): reading \/dev\/ttyUSB0/,
      );
      assert.match(run.output(), /source serial \/dev\/ttyUSB0 \(the default: no device given\)/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});

describe('decode without a key', () => {
  it('NO_KEY says where the key goes: --key, SERIAL_KEY or the add-on option', () => {
    const example = fileURLToPath(new URL('../../examples/vkw-ma309m.hex', import.meta.url));
    const { status, stderr } = cli(['decode', example]);
    assert.equal(status, 1);
    const rejection = JSON.parse(stderr.trim().split('\n')[0] ?? '{}') as { code: string; message: string };
    assert.equal(rejection.code, 'NO_KEY');
    assert.match(rejection.message, /--key HEX, the SERIAL_KEY variable, or the add-on's key option/);
  });
});
