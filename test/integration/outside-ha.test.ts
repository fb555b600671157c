import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { parseDsn, scrub } from '../../src/sinks/sentry.js';
import { dockerfileNodeFlags } from '../support/container-flags.js';
import { freePort, MOSQUITTO, waitForPort } from '../support/mosquitto.js';

/**
 * Running without Home Assistant OS: the compose file as a real compose implementation resolves it, Sentry
 * reports (only when SENTRY_URL is set, never with the key), the udev rule for a stable device name, and
 * the systemd unit as systemd itself checks it.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const KEY = '48704F444F326D5050553033784C3333';

type ResolvedCompose = { services: Record<string, Record<string, unknown>> };

/** compose.yaml as Debian's docker-compose resolves it with an env file: no engine needed. */
function resolveCompose(envFile: string): ResolvedCompose {
  const output = execFileSync(
    'docker-compose',
    ['--project-directory', ROOT, '-f', join(ROOT, 'compose.yaml'), '--env-file', envFile, 'config'],
    { encoding: 'utf8', env: { PATH: process.env['PATH'] } },
  );
  return parse(output) as ResolvedCompose;
}

describe('compose.yaml', () => {
  it('resolves with docker-compose (no engine needed) from the old project’s variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(
      join(dir, 'test.env'),
      [
        `SERIAL_KEY=${KEY}`,
        'HOST_USB_DEVICE=/dev/serial/by-id/usb-FTDI_X-if00-port0',
        'MQTT_USER=meter',
        'MQTT_PASSWD=s3cret',
        'INFLUX_URL=http://influxdb:8086',
        'INFLUX_TOKEN=tok',
        'INFLUX_ORGANIZATION=home',
        'INFLUX_BUCKET=energy',
        'SENTRY_URL=',
      ].join('\n'),
    );
    const resolved = resolveCompose(join(dir, 'test.env'));
    const bridge = resolved.services['smartmeter-bridge'] ?? {};
    assert.deepEqual(bridge['devices'], ['/dev/serial/by-id/usb-FTDI_X-if00-port0:/dev/ttyUSB0']);
    const env = bridge['environment'] as Record<string, string>;
    assert.equal(env['SERIAL_KEY'], KEY);
    assert.equal(env['MQTT_SERVER'], 'mosquitto');
    assert.equal(env['MQTT_PORT'], '1883');
    assert.equal(env['MQTT_USER'], 'meter');
    assert.equal(env['MQTT_PASSWD'], 's3cret');
    assert.equal(env['INFLUX_BUCKET'], 'energy');
    assert.equal(env['HTTP_HOST'], '0.0.0.0', 'the published port reaches the page inside the container');
    assert.equal(bridge['restart'], 'unless-stopped');
    assert.equal(resolved.services['mosquitto']?.['restart'], 'unless-stopped');
    assert.ok(resolved.services['mosquitto'], 'a broker comes with it');
    assert.deepEqual(
      resolved.services['influxdb']?.['profiles'],
      ['influxdb'],
      'InfluxDB only with --profile influxdb',
    );
    assert.deepEqual(resolved.services['mosquitto-passwd']?.['profiles'], ['setup']);
  });

  it('refuses to resolve without a key or an MQTT password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'empty.env'), 'MQTT_PASSWD=x\n');
    const result = spawnSync(
      'docker-compose',
      [
        '--project-directory',
        ROOT,
        '-f',
        join(ROOT, 'compose.yaml'),
        '--env-file',
        join(dir, 'empty.env'),
        'config',
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] },
      },
    );
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /SERIAL_KEY/);
  });

  it('its setup service writes a password file that Mosquitto can still read after it drops root', {
    skip:
      process.getuid?.() === 0 ? false : 'needs root: only a broker started as root drops to its own user',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-mosquitto-'));
    chmodSync(dir, 0o755);
    writeFileSync(
      join(dir, 'test.env'),
      [`SERIAL_KEY=${KEY}`, 'MQTT_USER=meter', 'MQTT_PASSWD=s3cret'].join('\n'),
    );
    const setup = resolveCompose(join(dir, 'test.env')).services['mosquitto-passwd'] ?? {};
    // The service's own command, with compose's $$ unescaped and its /out volume mapped to the folder.
    const [shell = 'sh', flag = '-c', script = ''] = setup['entrypoint'] as string[];
    execFileSync(shell, [flag, script.replaceAll('$$', '$').replaceAll('/out/', `${dir}/`)], {
      env: { PATH: process.env['PATH'], ...(setup['environment'] as Record<string, string>) },
    });
    assert.equal(
      statSync(join(dir, 'passwd')).mode & 0o777,
      0o600,
      'the hashes are readable by Mosquitto alone',
    );

    // mosquitto/mosquitto.conf as the mosquitto service mounts it, its container paths mapped to the folder.
    const data = join(dir, 'data');
    mkdirSync(data);
    execFileSync('chown', ['mosquitto:mosquitto', data]);
    const port = await freePort();
    const mounted = readFileSync(join(ROOT, 'mosquitto', 'mosquitto.conf'), 'utf8');
    const config = mounted
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replace('/mosquitto/config/passwd', join(dir, 'passwd'))
      .replace('/mosquitto/data/', `${data}/`);
    assert.equal(config.split(dir).length - 1, 2, 'the password file and the data folder were mapped');
    writeFileSync(join(dir, 'mosquitto.conf'), `${config}\nlog_dest stderr\n`);
    const broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    broker.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    try {
      await waitForPort(port, 5000).catch((error: Error) => assert.fail(`${error.message}\n${log}`));
      const url = `mqtt://127.0.0.1:${port}`;
      const client = await mqtt.connectAsync(url, {
        username: 'meter',
        password: 's3cret',
        reconnectPeriod: 0,
      });
      await client.endAsync();
      await assert.rejects(
        mqtt.connectAsync(url, { username: 'meter', password: 'wrong', reconnectPeriod: 0 }),
        /Bad username or password|Not authorized/,
      );
    } finally {
      broker.kill('SIGKILL');
    }
  });
});

describe('Sentry', () => {
  it('parses DSNs and scrubs anything shaped like a key', () => {
    assert.deepEqual(parseDsn('https://abc123@o42.ingest.sentry.io/4711'), {
      storeUrl: 'https://o42.ingest.sentry.io/api/4711/store/',
      publicKey: 'abc123',
    });
    assert.equal(parseDsn('not a dsn'), undefined);
    assert.equal(
      scrub(`key ${KEY} and 48:70:4F:44:4F:32:6D:50:50:55:30:33:78:4C:33:33`),
      'key [redacted] and [redacted]',
    );
  });

  /**
   * `run` with a closed broker port, so connecting fails and the bridge logs an error. It is stopped once
   * `done` has happened: the first report arrived, or (nothing to wait for when nothing may arrive) the error
   * line that would have been reported was written.
   */
  async function runWith(
    env: Record<string, string>,
    done: 'first report' | 'error line',
  ): Promise<{ requests: { url: string; headers: IncomingHttpHeaders; body: string }[]; log: string }> {
    const requests: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    let reported: () => void = () => {};
    const firstReport = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        requests.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200).end('{}');
        reported();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'run',
        '--replay',
        '/dev/null',
        '--replay-keep-running',
        '--mqtt-url',
        'mqtt://127.0.0.1:1',
      ],
      {
        env: {
          ...process.env,
          SERIAL_KEY: KEY,
          SENTRY_URL: '',
          ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace('PORT', String(port))])),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    const errorLine = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes(' ERROR ')) resolve();
      }),
    );
    const exited = new Promise((r) => child.once('exit', r));
    await Promise.race([done === 'first report' ? firstReport : errorLine, exited]);
    child.kill('SIGTERM');
    await exited;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return { requests, log };
  }

  it('reports errors to the DSN when SENTRY_URL is set, without the key', async () => {
    const { requests, log } = await runWith(
      { SENTRY_URL: 'http://publickey@127.0.0.1:PORT/42' },
      'first report',
    );
    assert.ok(requests.length >= 1, `at least one report; the log:\n${log}`);
    const first = requests[0];
    assert.equal(first?.url, '/api/42/store/');
    assert.match(String(first?.headers['x-sentry-auth']), /sentry_key=publickey/);
    const event = JSON.parse(first?.body ?? '{}') as { level: string; message: { formatted: string } };
    assert.equal(event.level, 'error');
    assert.match(event.message.formatted, /mqtt/);
    for (const r of requests)
      assert.ok(!r.body.includes(KEY) && !r.body.includes(KEY.slice(4)), 'the key never leaves');
  });

  it('sends nothing when SENTRY_URL is empty (the old project had this inverted)', async () => {
    const { requests, log } = await runWith({ SENTRY_URL: '' }, 'error line');
    // The error that would be reported was logged, and no reporter was made for it: the start-up line lists
    // "Sentry error reports on" whenever one is.
    assert.match(log, / ERROR .*mqtt/);
    assert.doesNotMatch(log, /Sentry error reports on/);
    assert.equal(requests.length, 0);
  });
});

describe('udev rule', () => {
  it('names the adapter by its serial number', () => {
    const root = mkdtempSync(join(tmpdir(), 'udev-'));
    const usb = join(root, 'sys', 'devices', 'usb1', '1-1');
    mkdirSync(join(usb, '1-1:1.0', 'ttyUSB0'), { recursive: true });
    writeFileSync(join(usb, 'idVendor'), '0403\n');
    writeFileSync(join(usb, 'idProduct'), '6001\n');
    writeFileSync(join(usb, 'serial'), 'A10KXYZ\n');
    mkdirSync(join(root, 'sys', 'class', 'tty', 'ttyUSB0'), { recursive: true });
    symlinkSync(join(usb, '1-1:1.0', 'ttyUSB0'), join(root, 'sys', 'class', 'tty', 'ttyUSB0', 'device'));
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'dev', 'ttyUSB0'), '');
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', MAIN, 'udev-rule', join(root, 'dev', 'ttyUSB0'), '--sys-root', join(root, 'sys')],
      { encoding: 'utf8' },
    );
    assert.match(
      out,
      /^SUBSYSTEM=="tty", ATTRS\{idVendor\}=="0403", ATTRS\{idProduct\}=="6001", ATTRS\{serial\}=="A10KXYZ", SYMLINK\+="smartmeter", MODE="0660", GROUP="dialout"$/m,
    );
    const missing = spawnSync(
      process.execPath,
      ['--import', 'tsx', MAIN, 'udev-rule', join(root, 'dev', 'ttyUSB7'), '--sys-root', join(root, 'sys')],
      { encoding: 'utf8' },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /is not a USB serial adapter/);
  });
});

describe('systemd unit (tools/smartmeter-bridge.service)', () => {
  const unitFile = join(ROOT, 'tools', 'smartmeter-bridge.service');
  const unit = readFileSync(unitFile, 'utf8');
  const setting = (name: string): string | undefined => new RegExp(`^${name}=(.*)$`, 'm').exec(unit)?.[1];

  it('passes systemd-analyze verify without a warning, and its sandbox rates OK', () => {
    // systemd checks a unit by its file name: a copy under the unit's own name, outside /etc.
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    const copy = join(dir, 'smartmeter-bridge.service');
    writeFileSync(copy, unit);
    const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'no unknown keys or bad values');
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for .*?: (\d+\.\d+)/.exec(security.stdout)?.[1]);
    assert.ok(exposure <= 5, `exposure ${exposure} (systemd rates ≤ 5 as OK); ${security.stderr}`);
  });

  it("runs node as the container does: the Dockerfile's flags and malloc setting", () => {
    // The Dockerfile says what each one buys; a Raspberry Pi without containers should not miss one.
    const container = dockerfileNodeFlags();
    const execStart = (setting('ExecStart') ?? '').split(/\s+/);
    const nodeArgs = execStart.slice(
      1,
      execStart.findIndex((a) => a.endsWith('main.js')),
    );
    assert.deepEqual(
      [...nodeArgs].sort(),
      [...container.nodeOptions.split(' '), ...container.execArgv].sort(),
      'ExecStart gives node the NODE_OPTIONS and the CMD flags of the Dockerfile',
    );
    for (const [name, value] of Object.entries(container.env))
      assert.match(unit, new RegExp(`^Environment=${name}=${value.replaceAll('.', '\\.')}$`, 'm'));
  });

  it('starts the bridge with the variables of its own example env file, and does not restart on a configuration error', () => {
    assert.match(unit, /tools\/smartmeter-bridge\.env\.example/, 'the header names the env file to copy');
    const execStart = setting('ExecStart') ?? '';
    const argv = execStart
      .split(/\s+/)
      .slice(execStart.split(/\s+/).findIndex((a) => a.endsWith('main.js')) + 1);
    assert.equal(argv[0], 'run');
    const env = Object.fromEntries(
      readFileSync(join(ROOT, 'tools', 'smartmeter-bridge.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const filledIn = { ...env, SERIAL_KEY: KEY, MQTT_PASSWD: 'secret' };
    const loaded = loadConfig({ argv: argv.slice(1), env: filledIn });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.message);
    assert.deepEqual(
      [loaded.config.source.kind === 'serial' && loaded.config.source.device, loaded.config.httpPort],
      ['/dev/smartmeter', 8099],
    );
    // A broker this machine can reach: compose's service name "mosquitto" would resolve nowhere here.
    assert.equal(loaded.config.mqtt.url, 'mqtt://localhost:1883');
    assert.equal(loaded.config.influx, undefined, 'InfluxDB stays off until its variables are filled in');

    // The key left empty, as in the example: the exit status the unit must not restart on.
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...argv], {
      env: { PATH: process.env['PATH'], ...env },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(setting('RestartPreventExitStatus'), String(run.status));
  });
});
