import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import { createLogger } from '../../src/log.js';
import type { MqttEvents, MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes, hex } from '../support/vectors.js';

/**
 * The stale timer on a mocked clock: `offline` exactly when the stale timeout has passed without a valid
 * telegram, not a millisecond before, and `online` with the next one. (test/integration/bridge-mqtt.test.ts
 * shows the same against a real broker, deciding on the order of the messages only.)
 */

const KEY = hex('000102030405060708090A0B0C0D0E0F');

function telegram(frameCounter: number): Uint8Array {
  return concatBytes(
    encodeMeterTelegram(
      'ksm-west',
      {
        time: {
          year: 2026,
          month: 11,
          day: 24,
          hour: 10,
          minute: 0,
          second: frameCounter % 60,
          utcOffsetMinutes: 60,
        },
        meterNumber: '1KFM0200000042',
        deviceName: 'KFM1200200000042',
        registers: {
          energyInWh: 5_000_000,
          energyOutWh: 500,
          reactiveEnergyInVarh: 1,
          reactiveEnergyOutVarh: 2,
          powerInW: 100,
          powerOutW: 0,
          voltageDecivolts: [2301, 2302, 2303],
          currentCentiamps: [101, 102, 103],
          powerFactorMilli: 990,
        },
      },
      { encryptionKey: KEY, systemTitle: hex('4B464D1020000042'), frameCounter, invokeId: frameCounter },
    ),
  );
}

/** A connected broker that keeps what it is given. */
class FakeMqtt {
  readonly published: { topic: string; payload: string }[] = [];
  readonly connected = true;
  readonly reconnects = 0;
  start(events: MqttEvents): void {
    events.onConnected();
  }
  publish(topic: string, payload: string): boolean {
    this.published.push({ topic, payload });
    return true;
  }
  async stop(): Promise<void> {}
  statuses(): string[] {
    return this.published.filter((m) => m.topic === 'stale/status').map((m) => m.payload);
  }
}

describe('bridge: the stale timer (mocked clock)', () => {
  let clock = Date.parse('2026-11-24T09:00:00Z');
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());
  const tick = (ms: number): void => {
    clock += ms;
    mock.timers.tick(ms);
  };

  it('says offline when the stale timeout passes without a valid telegram, and online with the next one', async () => {
    const mqtt = new FakeMqtt();
    const source = new PushSource();
    const lines: string[] = [];
    const bridge = new Bridge(
      {
        keys: { encryptionKey: KEY },
        topicPrefix: 'stale',
        discoveryPrefix: 'homeassistant',
        discovery: false,
        staleTimeoutS: 30,
        logConsole: false,
      },
      {
        source,
        mqtt: mqtt as unknown as MqttPublisher,
        log: createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } }),
        now: () => clock,
      },
    );
    bridge.start();
    assert.deepEqual(mqtt.statuses(), ['offline'], 'offline until a telegram decodes');

    // The first telegram waits for the second to confirm the meter number.
    source.push(telegram(300));
    tick(5000);
    source.push(telegram(301));
    assert.deepEqual(mqtt.statuses(), ['offline', 'online']);

    tick(29_999);
    assert.deepEqual(mqtt.statuses(), ['offline', 'online'], 'not a millisecond early');
    tick(1);
    assert.deepEqual(mqtt.statuses(), ['offline', 'online', 'offline']);
    assert.equal(lines.filter((l) => l.includes('no valid telegram for 30 s')).length, 1, lines.join(''));

    // Still nothing: offline is not repeated, and the warning only every ten minutes.
    tick(5 * 60_000);
    assert.deepEqual(mqtt.statuses(), ['offline', 'online', 'offline']);
    assert.equal(lines.filter((l) => l.includes('no valid telegram')).length, 1);

    source.push(telegram(302));
    assert.deepEqual(mqtt.statuses(), ['offline', 'online', 'offline', 'online']);
    assert.ok(lines.some((l) => l.includes('telegrams decode again')));
    await bridge.stop();
  });
});
