import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureBound } from './wait.js';

/**
 * A real Mosquitto (Debian's), started by the test on a free loopback port with a password file and no
 * anonymous access, as a user's broker is set up. No persistence: after a restart the retained messages
 * are gone, so whatever is there again was published again by the bridge.
 */

export const BROKER_USER = 'bridge';
export const BROKER_PASSWORD = 'test-secret-4711';

/** `run`'s flags for a broker of ours: its URL, with the test user and password. */
export function brokerFlags(url: string): string[] {
  return ['--mqtt-url', url, '--mqtt-user', BROKER_USER, '--mqtt-password', BROKER_PASSWORD];
}

/** Debian installs the broker in /usr/sbin, which is not on every user's PATH. */
export const MOSQUITTO = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

export type Mosquitto = {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
}

/** A TLS listener instead of a plain one: the server's certificate and key (PEM files). */
export type BrokerTls = { readonly certFile: string; readonly keyFile: string };

export async function startMosquitto(tls?: BrokerTls): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  // Started as root (CI), Mosquitto drops to the `mosquitto` user, which must still read its files.
  chmodSync(dir, 0o755);
  const passwords = join(dir, 'passwd');
  writeFileSync(passwords, '');
  execFileSync('mosquitto_passwd', ['-b', passwords, BROKER_USER, BROKER_PASSWORD]);
  chmodSync(passwords, 0o644);
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(tls === undefined ? [] : [`certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`]),
      'allow_anonymous false',
      `password_file ${passwords}`,
      'persistence false',
      'log_dest none',
      // Mosquitto's default leaves Nagle on towards subscribers. A subscriber that only receives (ours)
      // acknowledges late (delayed ACK), so a message that follows the previous one within ~40 ms waits
      // for that ACK: strace put ~5% of a burst's messages 40 ms behind Mosquitto's own write, a stall of
      // the broker's socket, not of the bridge, that latency measurements must not count.
      'set_tcp_nodelay true',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const broker: Mosquitto = {
    port,
    url: tls === undefined ? `mqtt://127.0.0.1:${port}` : `mqtts://localhost:${port}`,
    async start() {
      child = spawn(MOSQUITTO, ['-c', config], { stdio: 'ignore' });
      await waitForPort(port, failureBound());
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
  };
  await broker.start();
  return broker;
}
