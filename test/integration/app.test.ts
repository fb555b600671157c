import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { BridgeConfig } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/log.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { until } from '../support/wait.js';

/**
 * The composition root in-process, on a replayed capture with no broker listening (mqtt://127.0.0.1:1):
 * a web port that is taken costs the page, not the data; an MQTT CA file that cannot be read fails the
 * start with one message, before the source reads anything; with a Sentry DSN, crashes are reported for
 * as long as the app runs (run and the add-on both come through here).
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
let capture: string;
let taken: Server;
let takenPort: number;

before(async () => {
  capture = join(mkdtempSync(join(tmpdir(), 'app-')), 'capture.bin');
  const simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: Buffer.from(KEY, 'hex'),
    intervalMs: 5000,
  });
  writeFileSync(capture, Buffer.concat(Array.from({ length: 5 }, () => Buffer.concat(simulator.next()))));
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  takenPort = typeof address === 'object' && address !== null ? address.port : 0;
});
after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

function configOf(...flags: string[]): BridgeConfig {
  const loaded = loadConfig({
    argv: ['--key', KEY, '--replay', capture, '--replay-pace', 'fast', '--replay-keep-running', ...flags],
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.message);
  return { ...loaded.config, mqtt: { ...loaded.config.mqtt, url: 'mqtt://127.0.0.1:1' } };
}

function logger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } }), lines };
}

describe('app: createApp', () => {
  it('a web port that is taken costs the page only: one error line, and the capture is decoded all the same', async () => {
    const { log, lines } = logger();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const app = createApp(configOf('--http-port', String(takenPort), '--http-host', '127.0.0.1'), log);
    await app.start();
    try {
      // Five telegrams: the first waits for the second to confirm the meter's number.
      await until(
        () => app.stats.telegramsDecoded === 4,
        () => `four telegrams decoded:\n${lines.join('')}`,
      );
      const page = lines.findIndex((l) => l.includes(`status page not started on port ${takenPort}: `));
      assert.ok(page >= 0, lines.join(''));
      assert.match(lines[page] ?? '', / ERROR /);
      const reading = lines.findIndex((l) => l.includes('reading from replay of'));
      assert.ok(reading > page, 'the source starts last, once every output listens');
      assert.equal(app.delivery.connected, false, 'no broker here');
    } finally {
      await app.stop();
    }
    // The page that did not start left no timer behind either: otherwise `run` would not end after SIGTERM.
    assert.equal(timers(), timersBefore, String(process.getActiveResourcesInfo()));
  });

  it('an MQTT CA file that cannot be read fails the start with that one message, before the source reads', async () => {
    const { log, lines } = logger();
    const missing = join(mkdtempSync(join(tmpdir(), 'app-ca-')), 'ca.pem');
    const app = createApp(configOf('--mqtt-ca', missing), log);
    await assert.rejects(app.start(), {
      message: `the MQTT CA file ${missing} cannot be read (ENOENT)`,
    });
    assert.ok(!lines.some((l) => l.includes('reading from')), lines.join(''));
    assert.deepEqual(
      lines.filter((l) => l.includes(' ERROR ')),
      [],
      'the caller writes the one line (run: "could not start: …")',
    );
    assert.equal(app.stats.telegramsDecoded, 0);
  });

  it('with a Sentry DSN, crash reports are installed while it runs and removed when it stops', async () => {
    const { log } = logger();
    const events = ['uncaughtException', 'unhandledRejection'] as const;
    const counts = (): number[] => events.map((event) => process.listenerCount(event));
    const before = counts();
    const app = createApp(configOf('--sentry-url', 'http://publickey@127.0.0.1:1/42'), log);
    await app.start();
    try {
      assert.deepEqual(
        counts(),
        before.map((n) => n + 1),
      );
    } finally {
      await app.stop();
    }
    assert.deepEqual(counts(), before);
  });
});
