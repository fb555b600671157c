import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ingressUrl } from '../../src/addon/supervisor.js';
import { Bridge } from '../../src/bridge/bridge.js';
import type { DlmsValue } from '../../src/dlms/axdr.js';
import { encodeAxdr } from '../../src/encode/axdr-encoder.js';
import {
  encodeCosemDateTime,
  encodePushBody,
  LAYOUT_TRANSPORT,
  type PushInput,
} from '../../src/encode/push-layouts.js';
import {
  encodeDataNotification,
  encodeGloCiphering,
  encodeMbusSegments,
} from '../../src/encode/telegram-encoder.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { SUPPORT_URL } from '../../src/mqtt/discovery.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import { MqttSink, type MqttSinkOptions } from '../../src/mqtt/mqtt-sink.js';
import { BROKER_PASSWORD, BROKER_USER, type Mosquitto, startMosquitto } from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes, hex } from '../support/vectors.js';

/**
 * Home Assistant discovery as a real Mosquitto carries it: sent once per meter and again only when what it
 * says changes (a meter whose telegrams alternate with and without its device name makes one discovery), the
 * entity names in Home Assistant's language with the same entity ids, the add-on's page as the device's link,
 * `last_error` as an enum, and `expire_after` that a meter's push period can never outlast.
 */

const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };
const KEY = hex('000102030405060708090A0B0C0D0E0F');
const TITLE = hex('4B464D1020000042');
const METER = '1KFM0200000042';
const OBJECT_ID = 'smartmeter_1kfm0200000042';
const DEVICE_NAME_OBIS = [0, 0, 42, 0, 0, 255];

let broker: Mosquitto;
const stops: (() => Promise<void>)[] = [];

before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await broker.stop();
});

type Config = {
  device: Record<string, unknown>;
  origin: Record<string, unknown>;
  components: Record<string, Record<string, unknown>>;
};

type Harness = {
  mqtt: MqttSink;
  source: PushSource;
  recorder: MqttRecorder;
  prefix: string;
  discoveryTopic: string;
  discoveries: () => Config[];
  /** Waits for the JSON state of the telegram with this frame counter: a later event to assert against. */
  published: (frameCounter: number) => Promise<void>;
};

let harnesses = 0;
async function start(options: Partial<MqttSinkOptions> = {}, now?: () => number): Promise<Harness> {
  const n = ++harnesses;
  const prefix = `disc${n}/smart_meter`;
  const discoveryPrefix = `hadisc${n}`;
  const log = createLogger({ level: 'warn', writer: { write: () => {} } });
  const recorder = await MqttRecorder.connect(broker.url, [`${prefix}/#`, `${discoveryPrefix}/#`], AUTH);
  const source = new PushSource();
  const mqtt = new MqttPublisher(
    {
      url: broker.url,
      ...AUTH,
      caFile: undefined,
      clientId: `discovery-${n}`,
      statusTopic: `${prefix}/status`,
      birthTopic: `${discoveryPrefix}/status`,
      backoff: { initialMs: 100, maxMs: 400 },
    },
    log,
  );
  const bridge = new Bridge(
    { keys: { encryptionKey: KEY }, logConsole: false },
    { source, log, ...(now === undefined ? {} : { now }) },
  );
  const sink = new MqttSink(
    bridge,
    mqtt,
    { topicPrefix: prefix, discoveryPrefix, discovery: true, staleTimeoutS: 30, ...options },
    log,
    now,
  );
  sink.start();
  bridge.start();
  stops.push(async () => {
    await bridge.stop();
    await sink.stop();
    await recorder.close();
  });
  // The retained `offline` says the bridge is connected: telegrams pushed from here on are published.
  await recorder.waitFor((m) => m.topic === `${prefix}/status`);
  const discoveryTopic = `${discoveryPrefix}/device/${OBJECT_ID}/config`;
  return {
    mqtt: sink,
    source,
    recorder,
    prefix,
    discoveryTopic,
    discoveries: () =>
      recorder.messages.filter((m) => m.topic === discoveryTopic).map((m) => JSON.parse(m.payload) as Config),
    published: async (frameCounter) => {
      await recorder.waitFor(
        (m) =>
          m.topic === `${prefix}/json` &&
          (JSON.parse(m.payload) as { frame_counter?: number }).frame_counter === frameCounter,
      );
    },
  };
}

function isDeviceName(item: DlmsValue): boolean {
  if (item.type !== 'structure') return false;
  const first = item.items[0];
  return first?.type === 'octet-string' && Buffer.from(first.bytes).equals(Buffer.from(DEVICE_NAME_OBIS));
}

/** A KSM-West push as the meter sends it, or with its 0-0:42.0.0 (device name) element left out. */
function telegram(frameCounter: number, options: { deviceName?: boolean } = {}): Uint8Array {
  const input: PushInput = {
    time: {
      year: 2026,
      month: 11,
      day: 24,
      hour: 10,
      minute: 0,
      second: frameCounter % 60,
      utcOffsetMinutes: 60,
    },
    meterNumber: METER,
    deviceName: 'KFM1200200000042',
    registers: {
      energyInWh: 5_000_000 + frameCounter,
      energyOutWh: 500,
      reactiveEnergyInVarh: 1,
      reactiveEnergyOutVarh: 2,
      powerInW: 300,
      powerOutW: 0,
      voltageDecivolts: [2301, 2302, 2303],
      currentCentiamps: [131, 132, 133],
      powerFactorMilli: 990,
    },
  };
  const body = encodePushBody('ksm-west', input);
  const items = body.type === 'structure' ? body.items : [];
  const sent: DlmsValue =
    options.deviceName === false ? { type: 'structure', items: items.filter((i) => !isDeviceName(i)) } : body;
  const transport = LAYOUT_TRANSPORT['ksm-west'];
  const apdu = encodeGloCiphering({
    systemTitle: TITLE,
    frameCounter,
    securityControl: transport.securityControl,
    encryptionKey: KEY,
    plaintext: encodeDataNotification(frameCounter, encodeCosemDateTime(input.time), encodeAxdr(sent)),
  });
  return concatBytes(encodeMbusSegments(apdu, transport.segmentSize));
}

describe('Home Assistant discovery → Mosquitto', () => {
  it('telegrams that alternate with and without the device name: one discovery, model_id the model part', async () => {
    const h = await start();
    for (let counter = 100; counter < 108; counter++)
      h.source.push(telegram(counter, { deviceName: counter % 2 === 0 }));
    // The last telegram's state is published after anything the earlier ones caused.
    await h.published(107);
    const discoveries = h.discoveries();
    assert.equal(discoveries.length, 1, 'discovery is not sent again for a telegram without the device name');
    const device = discoveries[0]?.device ?? {};
    assert.equal(device['model_id'], 'KFM120', 'the model part of KFM1200200000042, not the serial number');
    assert.equal(device['serial_number'], METER);
    assert.equal(device['manufacturer'], 'Kaifa');
  });

  it("names in Home Assistant's language and the add-on's page: discovery sent again once, entity ids unchanged", async () => {
    const h = await start();
    h.source.push(telegram(200), telegram(201));
    await h.published(201);
    const [english] = h.discoveries();
    assert.ok(english);
    assert.equal(h.discoveries().length, 1);
    assert.equal(english.components['energy_in']?.['name'], 'Energy import');
    assert.equal('configuration_url' in english.device, false, 'no page known yet');

    // What the HA integration and the add-on's start-up tell discovery (the app passes it on).
    const url = ingressUrl('a1b2c3d4_smartmeter_bridge');
    h.mqtt.setDiscoveryContext({ language: 'de', configurationUrl: url });
    await h.recorder.waitFor((m) => m.topic === h.discoveryTopic && m.payload.includes('Energie Bezug'));
    // Told the same again, and more telegrams: nothing new to say, so nothing is sent.
    h.mqtt.setDiscoveryContext({ language: 'de', configurationUrl: url });
    h.source.push(telegram(202), telegram(203));
    await h.published(203);
    const discoveries = h.discoveries();
    assert.equal(discoveries.length, 2);
    const german = discoveries[1] as Config;
    assert.equal(
      german.device['configuration_url'],
      'homeassistant://hassio/ingress/a1b2c3d4_smartmeter_bridge',
    );
    assert.equal(german.components['energy_in']?.['name'], 'Energie Bezug');
    assert.equal(german.components['energy_out']?.['name'], 'Energie Einspeisung');
    assert.equal(german.components['last_error']?.['name'], 'Letzter Fehler');
    assert.deepEqual(Object.keys(german.components), Object.keys(english.components));
    for (const [key, component] of Object.entries(german.components)) {
      assert.equal(component['default_entity_id'], english.components[key]?.['default_entity_id'], key);
      assert.equal(component['unique_id'], english.components[key]?.['unique_id'], key);
    }
  });

  it('last_error is an enum of the error codes and none, and the origin names where to get help', async () => {
    const h = await start();
    h.source.push(telegram(300), telegram(301));
    await h.published(301);
    const config = h.discoveries()[0] as Config;
    const lastError = config.components['last_error'] ?? {};
    assert.equal(lastError['device_class'], 'enum');
    assert.deepEqual(lastError['options'], [...ERROR_CODES, 'none']);
    assert.equal('state_class' in lastError, false, 'an enum has no state class');
    assert.equal('unit_of_measurement' in lastError, false, 'nor a unit');
    assert.equal(config.origin['support_url'], SUPPORT_URL);
    // The state it publishes is one of the options: waited for, as it need not arrive before the telegram's values.
    const state = (await h.recorder.waitFor((m) => m.topic === `${h.prefix}/diagnostics/last_error`)).payload;
    assert.ok(state !== undefined && (lastError['options'] as string[]).includes(state), state);
  });

  it('expire_after: the stale timeout for a meter every 5 s, three periods for a meter every 60 s', async () => {
    let clock = Date.parse('2026-11-24T09:00:00Z');
    const fast = await start({}, () => clock);
    fast.source.push(telegram(400));
    clock += 5000;
    fast.source.push(telegram(401));
    await fast.published(401);
    const fastConfig = fast.discoveries()[0] as Config;
    assert.equal(fastConfig.components['energy_in']?.['expire_after'], 30);
    assert.equal(fastConfig.components['voltage_l1']?.['expire_after'], 30);
    assert.equal(fast.mqtt.staleAfterS, 30);

    const slow = await start({}, () => clock);
    slow.source.push(telegram(500));
    clock += 60_000;
    slow.source.push(telegram(501));
    await slow.published(501);
    const slowConfig = slow.discoveries()[0] as Config;
    // 30 s would make every sensor unavailable for half of each minute.
    assert.equal(slowConfig.components['energy_in']?.['expire_after'], 180);
    assert.equal(slow.mqtt.staleAfterS, 180, 'and the bridge says offline only after as long');
  });
});
