import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { createLogger } from '../../src/log.js';
import { MqttSink } from '../../src/mqtt/mqtt-sink.js';
import { FakePublisher } from '../support/fake-publisher.js';
import { PushSource } from '../support/push-source.js';
import { TEST_KEY, testTelegram } from '../support/test-meter.js';

/**
 * The MQTT sink's timers on a mocked clock, with a fake publisher: `offline` exactly when the stale timeout
 * has passed without a valid telegram, not a millisecond before, and `online` with the next one; a meter that
 * pushes rarely is stale only after three of its periods; Home Assistant's birth message is answered with
 * everything again after a short delay, once for a burst. (test/integration/bridge-mqtt.test.ts shows the
 * same against a real broker, deciding on the order of the messages only.)
 */

const KEY = TEST_KEY;
const DISCOVERY_TOPIC = 'homeassistant/device/smartmeter_1kfm0200000042/config';

const telegram = (frameCounter: number): Uint8Array => testTelegram(frameCounter);

describe('MQTT sink: its timers (mocked clock, fake publisher)', () => {
  let clock = Date.parse('2026-11-24T09:00:00Z');
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });
  const tick = (ms: number): void => {
    clock += ms;
    mock.timers.tick(ms);
  };

  function setUp(discovery = false) {
    const mqtt = new FakePublisher();
    const source = new PushSource();
    const lines: string[] = [];
    const log = createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } });
    const now = (): number => clock;
    const bridge = new Bridge({ keys: { encryptionKey: KEY }, logConsole: false }, { source, log, now });
    const sink = new MqttSink(
      bridge,
      mqtt,
      { topicPrefix: 'stale', discoveryPrefix: 'homeassistant', discovery, staleTimeoutS: 30 },
      log,
      now,
    );
    sink.start();
    bridge.start();
    return {
      mqtt,
      source,
      lines,
      sink,
      statuses: () => mqtt.on('stale/status'),
      stop: async () => {
        await bridge.stop();
        await sink.stop();
      },
    };
  }

  it('says offline when the stale timeout passes without a valid telegram, and online with the next one', async () => {
    const { mqtt, source, lines, statuses, stop } = setUp();
    assert.deepEqual(statuses(), ['offline'], 'offline until a telegram decodes');

    // The first telegram waits for the second to confirm the meter number.
    source.push(telegram(300));
    tick(5000);
    source.push(telegram(301));
    assert.deepEqual(statuses(), ['offline', 'online']);

    tick(29_999);
    assert.deepEqual(statuses(), ['offline', 'online'], 'not a millisecond early');
    tick(1);
    assert.deepEqual(statuses(), ['offline', 'online', 'offline']);
    assert.equal(lines.filter((l) => l.includes('no valid telegram for 30 s')).length, 1, lines.join(''));
    assert.ok(lines.some((l) => l.includes('nothing has arrived since the last valid telegram')));

    // Still nothing: offline is not repeated, and the warning only every ten minutes.
    tick(5 * 60_000);
    assert.deepEqual(statuses(), ['offline', 'online', 'offline']);
    assert.equal(lines.filter((l) => l.includes('no valid telegram')).length, 1);

    source.push(telegram(302));
    assert.deepEqual(statuses(), ['offline', 'online', 'offline', 'online']);
    assert.ok(lines.some((l) => l.includes('telegrams decode again')));
    await stop();
    assert.ok(mqtt.stopped);
  });

  it('a meter that falls silent after good telegrams is said to send nothing, not blamed for an earlier damaged one', async () => {
    const { source, lines, statuses, stop } = setUp();
    // The adapter opened in the middle of a telegram: its tail arrives first and does not decode.
    const first = telegram(310);
    source.push(first.subarray(first.length - 40));
    tick(5000);
    source.push(telegram(311));
    tick(5000);
    source.push(telegram(312));
    assert.deepEqual(statuses(), ['offline', 'online']);
    tick(30_000);
    const warning = lines.find((l) => l.includes('no valid telegram for 30 s'));
    assert.ok(warning?.includes('nothing has arrived since the last valid telegram'), lines.join(''));

    // Bytes again, but only noise: the hint follows what arrives now.
    source.push(Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff));
    tick(10 * 60_000);
    const later = lines.filter((l) => l.includes('no valid telegram for')).at(-1);
    assert.ok(later?.includes('bytes arrive but no valid frame'), lines.join(''));
    await stop();
  });

  it('a meter that pushes once a minute is offline only after three of its periods, not after 30 s', async () => {
    const { source, sink, statuses, stop } = setUp();
    source.push(telegram(400));
    tick(60_000);
    source.push(telegram(401));
    assert.equal(sink.staleAfterS, 180);
    tick(179_999);
    assert.deepEqual(statuses(), ['offline', 'online'], 'a late telegram is no reason for offline');
    tick(1);
    assert.deepEqual(statuses(), ['offline', 'online', 'offline']);
    await stop();
  });

  it("answers Home Assistant's birth message with availability, discovery and every state, once per burst", async () => {
    // The delay is random between 0.5 and 1 s (spreading the answers of many publishers): its shortest here.
    mock.method(Math, 'random', () => 0);
    const { mqtt, source, stop } = setUp(true);
    source.push(telegram(500));
    tick(5000);
    source.push(telegram(501));
    assert.equal(mqtt.on(DISCOVERY_TOPIC).length, 1, 'discovery sent with the confirmed telegram');
    const sentSince = (mark: number) => mqtt.sent.slice(mark);

    // Home Assistant restarts: it says online twice within 300 ms (its MQTT integration, then a reload).
    let mark = mqtt.sent.length;
    mqtt.birth();
    tick(300);
    mqtt.birth();
    tick(499);
    assert.deepEqual(sentSince(mark), [], 'nothing before the delay, counted from the last birth message');
    tick(1);
    const again = sentSince(mark);
    assert.deepEqual(
      again.slice(0, 2).map((m) => [m.topic, m.payload === 'online' ? 'online' : 'discovery']),
      [
        ['stale/status', 'online'],
        [DISCOVERY_TOPIC, 'discovery'],
      ],
      'availability first, then discovery',
    );
    assert.ok(
      again.some((m) => m.topic === 'stale/power_in'),
      'and the states',
    );
    assert.ok(
      again.every((m) => m.options.retain),
      'all retained',
    );
    tick(2000);
    assert.equal(sentSince(mark).length, again.length, 'one answer for the burst');

    // Stopped: a birth message then is not answered.
    mark = mqtt.sent.length;
    mqtt.birth();
    await stop();
    tick(2000);
    assert.deepEqual(sentSince(mark), []);
  });
});
