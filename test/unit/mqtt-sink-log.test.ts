import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { createLogger } from '../../src/log.js';
import { MqttSink } from '../../src/mqtt/mqtt-sink.js';
import { FakePublisher } from '../support/fake-publisher.js';
import { PushSource } from '../support/push-source.js';
import { TEST_KEY, testTelegram } from '../support/test-meter.js';

/**
 * What the log says about Home Assistant discovery: "published" only when it went to a connected broker, and
 * the number of entities Home Assistant gets, counted in the payload (values and diagnostics).
 */

const KEY = TEST_KEY;

const telegram = (frameCounter: number): Uint8Array => testTelegram(frameCounter);

describe('MQTT sink: discovery in the log', () => {
  it('says published when the broker has it, with the entities counted in the payload', async () => {
    // A broker connection the test opens by hand.
    const mqtt = new FakePublisher(false);
    const source = new PushSource();
    const lines: string[] = [];
    const log = createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } });
    const bridge = new Bridge({ keys: { encryptionKey: KEY }, logConsole: false }, { source, log });
    const sink = new MqttSink(
      bridge,
      mqtt,
      { topicPrefix: 'log', discoveryPrefix: 'homeassistant', discovery: true, staleTimeoutS: 30 },
      log,
    );
    sink.start();
    bridge.start();
    source.push(telegram(1), telegram(2), telegram(3));
    assert.deepEqual(
      lines.filter((l) => l.includes('discovery')),
      [],
      'nothing said to be published while the broker is away',
    );

    mqtt.connect();
    const discovery = mqtt.sent.find((m) => m.topic.startsWith('homeassistant/device/'));
    assert.ok(discovery, 'discovery sent on connecting');
    const components = Object.values(
      (JSON.parse(discovery.payload) as { components: Record<string, { entity_category?: string }> })
        .components,
    );
    const diagnostic = components.filter((c) => c.entity_category === 'diagnostic').length;
    const said = lines.filter((l) => l.includes('discovery'));
    assert.equal(said.length, 1, said.join(''));
    assert.match(
      said[0] ?? '',
      new RegExp(
        `INFO  \\[mqtt\\] published Home Assistant discovery for meter 1KFM0200000042: ${components.length} entities: ${components.length - diagnostic} sensors, ${diagnostic} diagnostic`,
      ),
    );
    assert.ok(components.length > 15, `${components.length} components, more than the 15 values`);

    // A reconnect sends discovery again, which is not news for the log.
    mqtt.connected = false;
    mqtt.connect();
    assert.equal(lines.filter((l) => l.includes('discovery')).length, 1);
    await bridge.stop();
    await sink.stop();
  });
});
