import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createConnection, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { openPtyPair, type PtyPair, ptyTarget } from '../../src/simulator/pty-pair.js';
import {
  buildah,
  buildahPath,
  descendants,
  findTool,
  formatBytes,
  GLOBAL_ARGS,
  type ImageFacts,
  imageToolsMissing,
  inspectImage,
  listImages,
  runLogged,
} from '../support/buildah.js';
import { BROKER_PASSWORD, BROKER_USER, type Mosquitto, startMosquitto } from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';
import { BUILD_CA_MOUNT, ensureStandinBase } from '../support/standin-base.js';

/**
 * Issue 12: the add-on's Dockerfile built for real and its image started, as the Supervisor would. There is no
 * Docker engine and no registry to pull Home Assistant's Alpine base from, so buildah builds the Dockerfile on a
 * Debian stand-in base (test/support/standin-base.ts) and `buildah run` starts the image's own CMD with
 * /data/options.json, a fake Supervisor at http://supervisor answering /services/mqtt, a socat pty as the meter's
 * adapter and a real Mosquitto.
 *
 * The container gets a network namespace of its own, like a Docker container: its 8099 cannot collide with
 * anything on the machine (the demo test, a developer's running add-on), and the HEALTHCHECK's
 * http://127.0.0.1:8099 is the container's loopback. In there a small forwarder listens on 127.0.0.1:80 (the
 * Supervisor; `buildah from --add-host` maps `supervisor` to it) and 127.0.0.1:1883 (the broker) and passes each connection to
 * a unix socket in a shared folder, the one thing both namespaces see; on the host side those sockets are the
 * fake Supervisor itself and a pipe to Mosquitto. The HEALTHCHECK runs as a second `buildah run` in the same
 * container and namespace, i.e. inside the running container, not from the host.
 *
 * What this cannot prove about the real image: musl and Alpine's own Node package (see the Dockerfile).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = '000102030405060708090A0B0C0D0E0F';
const TOKEN = 'supervisor-token-for-image-test';
const MQTT_PORT_INSIDE = 1883;
const TAG_PREFIX = 'localhost/smartmeter-bridge-test';

const missing = imageToolsMissing();
const inCi = process.env['CI'] === 'true';

if (missing !== undefined && inCi) {
  // In CI a missing tool is a failure: .ci/run installs them, and a skipped image test would hide it.
  it('add-on image: the tools are installed', () => {
    assert.fail(`the image test cannot run in CI: ${missing}`);
  });
}

describe('add-on image (buildah, Debian stand-in base)', {
  skip: missing === undefined ? false : `skipped: ${missing}`,
}, () => {
  const tag = `${TAG_PREFIX}:${process.pid}`;
  const containers: string[] = [];
  let base = '';
  let facts: ImageFacts;
  let built = false;

  before(async () => {
    await removeLeftovers();
  });

  after(async () => {
    for (const container of containers) await buildah(['rm', container]).catch(() => {});
    if (built) await buildah(['rmi', tag]).catch(() => {});
  });

  it('has the stand-in base, built once per machine and cached by its inputs', {
    timeout: 20 * 60_000,
  }, async (t) => {
    const standin = await ensureStandinBase();
    base = standin.name;
    t.diagnostic(
      `stand-in base ${standin.name} (Debian bookworm, official Node ${standin.node}): ` +
        `${standin.cached ? 'cached' : 'built'} in ${standin.seconds} s`,
    );
  });

  it('builds the Dockerfile on it', { timeout: 20 * 60_000 }, async (t) => {
    assert.ok(base !== '', 'no stand-in base');
    const started = performance.now();
    const logDir = mkdtempSync('/tmp/smartmeter-image-');
    // Debian bookworm's buildah (1.28) rejects HEALTHCHECK --start-interval, which Docker >= 25 runs: it builds a
    // copy without that one flag (the check's command and its other timings stay as written).
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const buildable = dockerfile.replace(/^(HEALTHCHECK .*?) --start-interval=\S+/m, '$1');
    if (buildable !== dockerfile)
      t.diagnostic('built without HEALTHCHECK --start-interval, which this buildah does not know');
    writeFileSync(join(logDir, 'Dockerfile'), buildable);
    await runLogged(
      buildahPath(),
      [
        ...GLOBAL_ARGS,
        'bud',
        '--isolation',
        'chroot',
        '--format',
        'docker',
        '--build-arg',
        `BUILD_FROM=${base}`,
        '--build-arg',
        'BUILD_VERSION=0.0.0-test',
        '--build-arg',
        `BUILD_ARCH=${process.arch === 'arm64' ? 'aarch64' : 'amd64'}`,
        '--volume',
        BUILD_CA_MOUNT,
        '--file',
        join(logDir, 'Dockerfile'),
        '--tag',
        tag,
        ROOT,
      ],
      join(logDir, 'build.log'),
    );
    built = true;
    rmSync(logDir, { recursive: true, force: true });
    const seconds = (performance.now() - started) / 1000;
    facts = await inspectImage(tag);
    assert.deepEqual(facts.entrypoint, [], 'no ENTRYPOINT: the Supervisor starts the CMD');
    assert.ok(facts.cmd.length > 0, 'the image has a CMD');
    assert.ok(facts.healthcheck !== undefined && facts.healthcheck.length > 1, 'the image has a HEALTHCHECK');
    const total = facts.layerBytes.reduce((a, b) => a + b, 0);
    const own = facts.layerBytes.slice(1).reduce((a, b) => a + b, 0);
    t.diagnostic(`image built in ${seconds.toFixed(1)} s (the stand-in base cached)`);
    t.diagnostic(
      `image size ${formatBytes(total)} uncompressed: the stand-in base ${formatBytes(facts.layerBytes[0] ?? 0)} ` +
        `+ the add-on ${formatBytes(own)} (/app: dist and production node_modules)`,
    );
  });

  it("starts the image's CMD: values and discovery from a simulated meter, HEALTHCHECK passes, SIGTERM publishes offline and exits 0", {
    timeout: 5 * 60_000,
  }, async (t) => {
    assert.ok(facts !== undefined, 'no image');
    const env = await startEnvironment();
    t.after(() => env.close());
    // As the Supervisor's DNS does: `supervisor` is the Supervisor (here the forwarder's 127.0.0.1:80).
    const container = (
      await buildah([
        'from',
        '--name',
        `smartmeter-bridge-test-${process.pid}`,
        '--add-host',
        'supervisor:127.0.0.1',
        tag,
      ])
    ).trim();
    containers.push(container);

    // /data as the Supervisor writes it: the options of the Configuration tab, the key with spaces as pasted.
    writeFileSync(
      join(env.dir, 'options.json'),
      JSON.stringify({ device: ptyTarget(env.pty.adapterPath), key: KEY.replace(/(..)/g, '$1 ') }),
    );

    const meter = createWriteStream(env.pty.meterPath);
    // A write still pending when the pseudo-terminal closes at the end fails with EIO: the meter is gone.
    meter.on('error', () => {});
    const simulator = new MeterSimulator({
      layout: 'ksm-west',
      key: Buffer.from(KEY, 'hex'),
      intervalMs: 5000,
    });
    const pace = setInterval(() => meter.write(Buffer.concat(simulator.next())), 200);
    t.after(() => {
      clearInterval(pace);
      meter.destroy();
    });

    const startedAt = performance.now();
    const addon = inNamespace(env.namespacePid, [
      'run',
      '--isolation',
      'chroot',
      '--volume',
      `${env.dir}:/data`,
      '--env',
      `SUPERVISOR_TOKEN=${TOKEN}`,
      container,
      '--',
      ...facts.cmd,
    ]);
    t.after(() => {
      // A failed run must not leave the image's node behind: buildah run does not pass signals on.
      for (const p of descendants(addon.child.pid ?? -1)) process.kill(p.pid, 'SIGKILL');
      addon.child.kill('SIGKILL');
    });
    const failed = addon.exit.then((code) => {
      throw new Error(`the add-on exited (${code}) early:\n${addon.output()}`);
    });
    failed.catch(() => {});
    const waitFor = async (what: (m: { topic: string; payload: string }) => boolean, from = 0) =>
      Promise.race([env.recorder.waitFor(what, { timeoutMs: 60_000, from }), failed]);

    const first = await waitFor(() => true);
    const discovery = await waitFor((m) => m.topic.startsWith('homeassistant/device/smartmeter_'));
    assert.match(discovery.payload, /"energy_in"/);
    assert.match(discovery.payload, new RegExp(simulator.meterNumber));
    const energy = await waitFor((m) => m.topic === 'home/smart_meter/energy_in');
    assert.ok(Number(energy.payload) > 3000, energy.payload);
    await waitFor((m) => m.topic === 'home/smart_meter/power_in');
    await waitFor((m) => m.topic === 'home/smart_meter/status' && m.payload === 'online');
    t.diagnostic(
      `start: first publish ${((first.hr - startedAt) / 1000).toFixed(2)} s after the process started ` +
        `(${first.topic} ${first.payload}), first energy value after ${((energy.hr - startedAt) / 1000).toFixed(2)} s`,
    );
    assert.match(addon.output(), /MQTT broker from Home Assistant: mqtt:\/\/127\.0\.0\.1:1883 as bridge/);

    // The image's own HEALTHCHECK, as a second process in the running container.
    const [form, ...check] = facts.healthcheck ?? [];
    const argv = form === 'CMD-SHELL' ? ['/bin/sh', '-c', check.join(' ')] : check;
    const health = inNamespace(env.namespacePid, ['run', '--isolation', 'chroot', container, '--', ...argv]);
    assert.equal(await health.exit, 0, `HEALTHCHECK ${argv.join(' ')} failed:\n${health.output()}`);
    t.diagnostic(`HEALTHCHECK ${JSON.stringify(facts.healthcheck)} inside the container: exit 0`);

    // buildah run does not forward signals: SIGTERM goes to the image's node process itself.
    // Its argv[0] is the resolved path (/usr/local/bin/node); buildah-chroot-exec above it has the same arguments.
    const node = descendants(addon.child.pid ?? -1).find(
      (p) =>
        basename(p.argv[0] ?? '') === basename(facts.cmd[0] ?? '') && p.argv.includes(facts.cmd.at(-1) ?? ''),
    );
    assert.ok(node !== undefined, `no process running ${facts.cmd.join(' ')} below buildah run`);
    const mark = env.recorder.messages.length;
    process.kill(node.pid, 'SIGTERM');
    assert.equal(await addon.exit, 0, addon.output());
    await env.recorder.waitFor((m) => m.topic === 'home/smart_meter/status' && m.payload === 'offline', {
      from: mark,
      timeoutMs: 10_000,
    });
    assert.match(addon.output(), /SIGTERM: publishing offline and stopping/);

    // With the add-on gone the same check fails: it tests the add-on, not merely curl.
    const gone = inNamespace(env.namespacePid, ['run', '--isolation', 'chroot', container, '--', ...argv]);
    assert.notEqual(await gone.exit, 0, 'HEALTHCHECK passes without the add-on running');
  });
});

type Started = { child: ChildProcess; exit: Promise<number | null>; output: () => string };

/** `buildah …` inside the network namespace held by `namespacePid`. */
function inNamespace(namespacePid: number, args: readonly string[]): Started {
  const child = spawn(
    findTool('nsenter') ?? 'nsenter',
    [`--net=/proc/${namespacePid}/ns/net`, '--', buildahPath(), ...GLOBAL_ARGS, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return collect(child);
}

function collect(child: ChildProcess): Started {
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, output: () => chunks.join('') };
}

type Environment = {
  dir: string;
  pty: PtyPair;
  recorder: MqttRecorder;
  namespacePid: number;
  close(): Promise<void>;
};

/**
 * Mosquitto, the fake Supervisor, the pty and the container's network namespace with its forwarder. The
 * namespace lives as long as the forwarder, a node process started inside it by `unshare --net`.
 */
async function startEnvironment(): Promise<Environment> {
  const dir = mkdtempSync('/tmp/smartmeter-image-');
  const broker: Mosquitto = await startMosquitto();
  const pty = await openPtyPair();
  const recorder = await MqttRecorder.connect(broker.url, ['home/smart_meter/#', 'homeassistant/#'], {
    username: BROKER_USER,
    password: BROKER_PASSWORD,
  });

  const supervisor: Server = createHttpServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ result: 'error', message: 'Unauthorized' }));
    } else if (request.url === '/services/mqtt') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          result: 'ok',
          data: {
            host: '127.0.0.1',
            port: MQTT_PORT_INSIDE,
            ssl: false,
            protocol: '3.1.1',
            username: BROKER_USER,
            password: BROKER_PASSWORD,
            addon: 'core_mosquitto',
          },
        }),
      );
    } else {
      response.writeHead(404).end();
    }
  });
  const supervisorSocket = join(dir, 'supervisor.sock');
  await new Promise<void>((resolve) => supervisor.listen(supervisorSocket, resolve));
  const mqttSocket = join(dir, 'mqtt.sock');
  const toBroker: NetServer = createNetServer((client) => {
    const upstream = createConnection(broker.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => toBroker.listen(mqttSocket, resolve));

  const forwarder = spawn(
    findTool('unshare') ?? 'unshare',
    [
      '--net',
      '--',
      '/bin/sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      '-e',
      FORWARDER,
      `80=${supervisorSocket}`,
      `${MQTT_PORT_INSIDE}=${mqttSocket}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const forwarding = collect(forwarder);
  await new Promise<void>((resolve, reject) => {
    forwarder.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    void forwarding.exit.then((code) =>
      reject(new Error(`the namespace's forwarder exited (${code}): ${forwarding.output()}`)),
    );
  });

  return {
    dir,
    pty,
    recorder,
    namespacePid: forwarder.pid ?? -1,
    async close() {
      forwarder.kill('SIGKILL');
      await recorder.close();
      await new Promise<void>((resolve) => supervisor.close(() => resolve()));
      await new Promise<void>((resolve) => toBroker.close(() => resolve()));
      pty.close();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inside the namespace: 127.0.0.1:PORT → unix socket, for each PORT=SOCKET argument; prints ready. */
const FORWARDER = `
const net = require('node:net');
const specs = process.argv.slice(1);
let listening = 0;
for (const spec of specs) {
  const [port, path] = spec.split('=');
  net.createServer((client) => {
    const upstream = net.connect(path);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }).listen(Number(port), '127.0.0.1', () => {
    if (++listening === specs.length) console.log('ready');
  });
}
`;

/** Images and containers of earlier runs whose process is gone (a run that was killed cleans up nothing). */
async function removeLeftovers(): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const containers = (await buildah(['containers', '--format', '{{.ContainerName}}']))
    .split('\n')
    .filter((name) => /^smartmeter-bridge-test-\d+$/.test(name) && !alive(Number(name.split('-').at(-1))));
  for (const name of containers) await buildah(['rm', name]).catch(() => {});
  for (const image of await listImages()) {
    const stale = image.names.find(
      (n) => n.startsWith(`${TAG_PREFIX}:`) && !alive(Number(n.slice(TAG_PREFIX.length + 1))),
    );
    if (stale !== undefined) await buildah(['rmi', '--force', image.id]).catch(() => {});
  }
}
