import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeSerial, type GridOperatorId, gridOperator } from '../../src/config/grid-operators.js';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { openPtyPair, type PtyPair } from '../../src/simulator/pty-pair.js';
import { needsAuthKey, type SimulatorLayout } from '../../src/simulator/simulator-layouts.js';
import { type CliProcess, startCli } from '../support/cli-process.js';
import { feedLine } from '../support/meter-line.js';
import {
  BROKER_PASSWORD,
  BROKER_USER,
  brokerFlags,
  type Mosquitto,
  startMosquitto,
} from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';

/**
 * Each new layout end to end, as its users run it: the simulator writes the layout's telegrams into a real
 * pseudo-terminal, `run --operator <their operator>` opens it with that operator's serial settings and
 * publishes to a real Mosquitto. What arrives is checked against the same bytes decoded in this process: the
 * discovery payload has an entity for every value the meter sends, and the state is one the meter sent.
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
const AUTH_KEY = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';
const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };

const CASES: readonly [GridOperatorId, SimulatorLayout][] = [
  ['wiener-netze', 'wiener-netze-am550'],
  ['eww-wels', 'im350'],
  ['netz-burgenland', 'burgenland-e450'],
  ['energienetze-steiermark', 'e450-gbt'],
  ['stromnetz-graz', 't210d-r-p1'],
  ['netz-ooe', 'amis'],
];

/** Energy totals reach MQTT one telegram late (the guard waits for the next to confirm them). */
const isTotal = (key: string): boolean => key.startsWith('energy_') || key.startsWith('reactive_energy_');

type Json = { values: Record<string, number | string> };

describe('run --operator: each layout from a pseudo-terminal to Mosquitto', () => {
  let broker: Mosquitto;
  const cleanups: (() => unknown)[] = [];

  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await broker.stop();
  });

  for (const [operator, layout] of CASES) {
    const preset = gridOperator(operator);
    const serial = preset === undefined ? '?' : describeSerial(preset.serial);
    it(`${operator} (${layout}, ${serial}): discovery for every value sent, and the values the meter sent`, async () => {
      const pty: PtyPair = await openPtyPair(mkdtempSync(join(tmpdir(), `operator-${operator}-`)));
      cleanups.push(() => pty.close());
      const prefix = `op/${operator}`;
      const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`, 'homeassistant/#'], AUTH);
      cleanups.push(() => recorder.close());
      const auth = needsAuthKey(layout) ? ['--auth-key', AUTH_KEY] : [];
      const run: CliProcess = startCli([
        'run',
        '--operator',
        operator,
        '--device',
        pty.adapterPath,
        '--key',
        KEY,
        ...auth,
        ...brokerFlags(broker.url),
        '--topic-prefix',
        prefix,
      ]);
      cleanups.push(() => run.child.kill('SIGKILL'));

      // What the meter sent, decoded here from the very bytes written to the line.
      const simulator = new MeterSimulator({
        layout,
        key: Buffer.from(KEY, 'hex'),
        ...(needsAuthKey(layout) ? { authKey: Buffer.from(AUTH_KEY, 'hex') } : {}),
        intervalMs: 5000,
      });
      const decoder = new TelegramDecoder({
        encryptionKey: Buffer.from(KEY, 'hex'),
        authenticationKey: Buffer.from(AUTH_KEY, 'hex'),
      });
      const { sent, stop } = feedLine(pty.meterPath, simulator, decoder);
      cleanups.push(stop);

      const discovery = await recorder.waitFor(
        // Live, not retained from an earlier case's meter.
        (m) => !m.retain && m.topic.startsWith('homeassistant/device/smartmeter_'),
        {
          timeoutMs: 20_000,
        },
      );
      const components = (JSON.parse(discovery.payload) as { components: Record<string, unknown> })
        .components;
      const first = sent[0];
      assert.ok(first !== undefined, 'the simulator sent a telegram before discovery');
      const keys = Object.keys(first.values);
      assert.ok(keys.length >= 3, keys.join());
      for (const key of keys)
        assert.ok(key in components, `${key} has an entity: ${Object.keys(components).join()}`);

      // A state with totals: every number in it is one the meter sent, the measurements all from one telegram.
      const state = await recorder.waitFor(
        (m) =>
          m.topic === `${prefix}/json` && Object.keys((JSON.parse(m.payload) as Json).values).some(isTotal),
        { timeoutMs: 20_000 },
      );
      const published = (JSON.parse(state.payload) as Json).values;
      const measured = Object.entries(published).filter(([key]) => !isTotal(key));
      assert.ok(
        sent.some((t) =>
          measured.every(([key, value]) => t.values[key as keyof Telegram['values']] === value),
        ),
        `${JSON.stringify(published)} is not a telegram the meter sent`,
      );
      for (const [key, value] of Object.entries(published).filter(([k]) => isTotal(k))) {
        assert.ok(
          sent.some((t) => t.values[key as keyof Telegram['values']] === value),
          `${key}=${value} was sent`,
        );
      }
      assert.match(run.output(), new RegExp(`${pty.adapterPath.replaceAll('/', '\\/')} ${serial}`));
      assert.doesNotMatch(run.output(), /ERROR|WARN.*(FRAME_INVALID|CHECKSUM|WRONG_KEY|UNSUPPORTED)/);

      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 0, run.output());
    });
  }
});
