import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { silentLogger } from '../../src/log.js';
import { MqttSink } from '../../src/mqtt/mqtt-sink.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import type { ByteSource, SourceSink } from '../../src/source/byte-source.js';
import { HISTORY_MS, HISTORY_POINTS, LiveState } from '../../src/web/live-state.js';
import { FakePublisher } from '../support/fake-publisher.js';

/**
 * What the page is fed: the real bridge, guard and MQTT sink (on a fake broker connection) on simulated
 * telegrams, with a clock of the test's own.
 * The counts must add up (decoded = published + held + unsent + dropped), a meter's first telegram shows
 * as held rather than lost, and the chart's history stays within its window and its size.
 */

const KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');

class ManualSource implements ByteSource {
  readonly description = 'test source';
  private sink: SourceSink | undefined;
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  async stop(): Promise<void> {}
  push(frames: readonly Uint8Array[]): void {
    for (const frame of frames) this.sink?.bytes(frame);
  }
}

function setUp(intervalMs = 5000) {
  let clock = Date.UTC(2026, 5, 1, 10, 0, 0);
  const now = (): number => clock;
  const simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: KEY,
    intervalMs,
    now: () => new Date(clock),
  });
  const source = new ManualSource();
  const mqtt = new FakePublisher();
  const bridge = new Bridge(
    { keys: { encryptionKey: KEY }, logConsole: false },
    { source, log: silentLogger, now },
  );
  // As in the app: the MQTT sink listens first, and the page reads what it delivered.
  const sink = new MqttSink(
    bridge,
    mqtt,
    { topicPrefix: 'test', discoveryPrefix: 'homeassistant', discovery: true, staleTimeoutS: 3600 },
    silentLogger,
    now,
  );
  const live = new LiveState(bridge, sink, now);
  sink.start();
  bridge.start();
  const telegram = (): void => {
    clock += intervalMs;
    source.push(simulator.next());
  };
  const stop = async (): Promise<void> => {
    await bridge.stop();
    await sink.stop();
  };
  return { bridge, live, mqtt, telegram, advance: (ms: number) => (clock += ms), stop };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('live state for the web page', () => {
  it('shows a meter’s first telegram as held, and its counts add up to what was decoded', async () => {
    const s = setUp();
    try {
      s.telegram();
      await settled();
      let snap = s.live.snapshot();
      assert.equal(snap.recent[0]?.outcome, 'held', 'the first telegram waits for the second');
      assert.deepEqual(snap.counts, { decoded: 1, published: 0, held: 1, unsent: 0, dropped: 0 });
      assert.equal(snap.history.length, 0, 'nothing held reaches the chart');

      s.telegram();
      snap = s.live.snapshot();
      assert.equal(snap.recent[0]?.outcome, 'published');
      assert.equal(snap.recent[0]?.totalsPending, true, 'the totals of the 2nd telegram wait for the 3rd');
      s.telegram();
      snap = s.live.snapshot();
      assert.equal(snap.recent[0]?.totalsPending, false, 'from the 3rd telegram on the totals go out');
      assert.ok((snap.recent[0]?.values ?? 0) > 10);

      s.mqtt.connected = false;
      s.telegram();
      s.mqtt.connected = true;
      s.telegram();
      snap = s.live.snapshot();
      assert.deepEqual(
        snap.recent.map((r) => r.outcome),
        ['published', 'unsent', 'published', 'published', 'held'],
      );
      assert.deepEqual(snap.counts, { decoded: 5, published: 3, held: 1, unsent: 1, dropped: 0 });
      assert.equal(
        snap.stats.telegramsReassembled,
        snap.counts.decoded,
        'every reassembled telegram counted',
      );
      assert.equal(
        snap.counts.decoded,
        snap.counts.published + snap.counts.held + snap.counts.unsent + snap.counts.dropped,
      );
    } finally {
      await s.stop();
    }
  });

  it('keeps the last 15 minutes of power for the chart, import and export apart', async () => {
    const s = setUp();
    try {
      for (let i = 0; i < 400; i++) s.telegram(); // 400 × 5 s: 33 minutes
      let snap = s.live.snapshot();
      const oldest = snap.history[0]?.[0] ?? 0;
      assert.ok(snap.now - oldest <= HISTORY_MS, 'nothing older than the window');
      assert.ok(snap.history.length >= HISTORY_MS / 5000 - 1 && snap.history.length <= HISTORY_MS / 5000 + 1);
      for (const [, pIn, pOut] of snap.history) {
        assert.equal(typeof pIn, 'number');
        assert.equal(typeof pOut, 'number');
      }
      // The meter stops: the window moves on and empties.
      s.advance(HISTORY_MS + 1);
      snap = s.live.snapshot();
      assert.equal(snap.history.length, 0);
    } finally {
      await s.stop();
    }
  });

  it('holds no more than HISTORY_POINTS points however fast telegrams come', async () => {
    const s = setUp(100);
    try {
      for (let i = 0; i < HISTORY_POINTS + 300; i++) s.telegram();
      assert.equal(s.live.snapshot().history.length, HISTORY_POINTS);
    } finally {
      await s.stop();
    }
  });
});
