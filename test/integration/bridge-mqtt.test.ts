import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bridge, type BridgeOptions } from '../../src/bridge/bridge.js';
import { createLogger } from '../../src/log.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import { MqttSink } from '../../src/mqtt/mqtt-sink.js';
import { followUpOf } from '../support/follow-up.js';
import { BROKER_PASSWORD, BROKER_USER, type Mosquitto, startMosquitto } from '../support/mosquitto.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';
import { PushSource } from '../support/push-source.js';
import { TEST_KEY, testRegisters, testTelegram } from '../support/test-meter.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';
import { until } from '../support/wait.js';

/**
 * The bridge and its MQTT sink against a real Mosquitto with a password file: what it publishes, message by
 * message, and how it behaves when the broker goes away and comes back.
 */

const AUTH = { username: BROKER_USER, password: BROKER_PASSWORD };
const VKW = VECTORS[5] as Vector;
const VKW_KEY = hex(VKW.key_hex as string);

type Harness = { bridge: Bridge; source: PushSource; logLines: string[]; prefix: string };

let broker: Mosquitto;
const running: { stop(): Promise<void> }[] = [];
const recorders: MqttRecorder[] = [];

before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  for (const harness of running) await harness.stop();
  for (const recorder of recorders) await recorder.close();
  await broker.stop();
});

let harnessCount = 0;
function startBridge(options: { keys: BridgeOptions['keys']; staleTimeoutS?: number }): Harness {
  const prefix = `test${++harnessCount}/smart_meter`;
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', writer: { write: (line) => logLines.push(line) } });
  const source = new PushSource();
  const mqtt = new MqttPublisher(
    {
      url: broker.url,
      ...AUTH,
      caFile: undefined,
      clientId: `bridge-${prefix}`,
      statusTopic: `${prefix}/status`,
      birthTopic: `ha${harnessCount}/status`,
      backoff: { initialMs: 100, maxMs: 400 },
    },
    log.child('mqtt'),
  );
  const bridge = new Bridge({ keys: options.keys, logConsole: false }, { source, log });
  const sink = new MqttSink(
    bridge,
    mqtt,
    {
      topicPrefix: prefix,
      discoveryPrefix: `ha${harnessCount}`,
      discovery: true,
      staleTimeoutS: options.staleTimeoutS ?? 30,
    },
    log,
  );
  sink.start();
  bridge.start();
  running.push({
    stop: async () => {
      await bridge.stop();
      await sink.stop();
    },
  });
  return { bridge, source, logLines, prefix };
}

async function record(topics: string[]): Promise<MqttRecorder> {
  const recorder = await MqttRecorder.connect(broker.url, topics, AUTH);
  recorders.push(recorder);
  return recorder;
}

async function connected(h: Harness): Promise<void> {
  // The publisher's connection is internal; the retained status message is the observable sign of it.
  const recorder = await record([`${h.prefix}/status`]);
  await recorder.waitFor((m) => m.topic === `${h.prefix}/status`);
}

const registers = testRegisters;
const telegram = testTelegram;

describe('bridge → Mosquitto', () => {
  it('publishes availability, discovery and every value of a real telegram, retained', async () => {
    const h = startBridge({ keys: { encryptionKey: VKW_KEY } });
    await connected(h);
    const recorder = await record([`${h.prefix}/#`, `ha${harnessCount}/#`]);
    // The capture, then the meter's next two telegrams with the same registers: the meter number goes out
    // once the second confirms it, the capture's totals once two more telegrams continue them.
    h.source.push(concatBytes(framesOf(VKW)));
    h.source.push(followUpOf(VKW, 1), followUpOf(VKW, 2));

    const discovery = await recorder.waitFor(
      (m) => m.topic === `ha${harnessCount}/device/smartmeter_1kfm0200175269/config`,
    );
    assert.equal(discovery.retain, false, 'live delivery to a subscriber has retain=false');
    const config = JSON.parse(discovery.payload) as {
      device: Record<string, unknown>;
      origin: Record<string, unknown>;
      availability_topic: string;
      components: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(config.device['identifiers'], ['smartmeter_1kfm0200175269', 'dlms_4b464d102002aca5']);
    assert.equal(config.device['manufacturer'], 'Kaifa');
    assert.equal(config.device['serial_number'], '1KFM0200175269');
    assert.equal(config.origin['name'], 'smartmeter-bridge');
    assert.equal(config.availability_topic, `${h.prefix}/status`);
    const energy = config.components['energy_in'];
    assert.deepEqual(
      {
        p: energy?.['platform'],
        dc: energy?.['device_class'],
        sc: energy?.['state_class'],
        u: energy?.['unit_of_measurement'],
        id: energy?.['unique_id'],
        e: energy?.['default_entity_id'],
        t: energy?.['state_topic'],
      },
      {
        p: 'sensor',
        dc: 'energy',
        sc: 'total_increasing',
        u: 'kWh',
        id: 'smartmeter_1kfm0200175269_energy_in',
        e: 'sensor.smartmeter_1kfm0200175269_energy_in',
        t: `${h.prefix}/energy_in`,
      },
    );
    assert.equal(config.components['reactive_energy_in']?.['unit_of_measurement'], 'kvarh');
    assert.equal(config.components['reactive_energy_in']?.['device_class'], 'reactive_energy');
    assert.equal(config.components['power_in']?.['unit_of_measurement'], 'W');
    assert.equal(config.components['power']?.['unit_of_measurement'], 'W');
    assert.equal(config.components['meter_id']?.['entity_category'], 'diagnostic');
    assert.equal(config.components['last_error']?.['entity_category'], 'diagnostic');
    assert.equal('power_factor' in config.components, false, 'KSM-West sends no power factor: no sensor');
    for (const component of Object.values(config.components)) assert.equal('object_id' in component, false);

    const expected: Record<string, string> = {
      energy_in: '3744.082',
      energy_out: '3929.988',
      reactive_energy_in: '13.445',
      reactive_energy_out: '1313.36',
      power_in: '53',
      power_out: '0',
      power: '53',
      voltage_l1: '233',
      voltage_l2: '232.8',
      voltage_l3: '232.7',
      current_l1: '0.31',
      current_l2: '0.52',
      current_l3: '0.21',
      meter_id: '1KFM0200175269',
      device_name: 'KFM1200200175269',
    };
    for (const [key, value] of Object.entries(expected)) {
      const message = await recorder.waitFor((m) => m.topic === `${h.prefix}/${key}`);
      assert.equal(message.payload, value, key);
    }
    const json = JSON.parse(
      (await recorder.waitFor((m) => m.topic === `${h.prefix}/json` && m.payload.includes('meter_id')))
        .payload,
    ) as Record<string, unknown>;
    assert.equal(json['meter_id'], '1KFM0200175269');
    assert.equal(json['frame_counter'], 2554821);
    assert.equal(
      (await recorder.waitFor((m) => m.topic === `${h.prefix}/status` && m.payload === 'online')).payload,
      'online',
    );
    assert.equal(
      (await recorder.waitFor((m) => m.topic === `${h.prefix}/diagnostics/telegrams_received`)).payload,
      '1',
    );

    // A new subscriber gets all of it from the broker's retained store.
    const late = await record([`${h.prefix}/#`]);
    assert.equal((await late.waitFor((m) => m.topic === `${h.prefix}/energy_in`)).retain, true);
  });

  it('a wrong key is published as the last error and logged once, not every 5 s', async () => {
    const h = startBridge({ keys: { encryptionKey: TEST_KEY } });
    await connected(h);
    const recorder = await record([`${h.prefix}/#`]);
    for (let i = 0; i < 5; i++) h.source.push(concatBytes(framesOf(VKW)));
    await recorder.waitFor(
      (m) => m.topic === `${h.prefix}/diagnostics/telegrams_rejected` && m.payload === '5',
    );
    // Published after the counter in the same batch: waited for, not assumed to have arrived with it.
    await recorder.waitFor(
      (m) => m.topic === `${h.prefix}/diagnostics/last_error` && m.payload === 'WRONG_KEY',
    );
    assert.equal(recorder.last(`${h.prefix}/diagnostics/last_error`)?.payload, 'WRONG_KEY');
    assert.equal(recorder.on(`${h.prefix}/energy_in`).length, 0);
    assert.equal(h.logLines.filter((l) => l.includes('WRONG_KEY')).length, 1, h.logLines.join(''));
    assert.ok(!h.logLines.join('').includes('000102030405060708090A0B0C0D0E0F'));
  });

  it('never publishes a lower energy total, and drops a repeated frame counter', async () => {
    const h = startBridge({ keys: { encryptionKey: TEST_KEY } });
    await connected(h);
    const recorder = await record([`${h.prefix}/#`]);
    h.source.push(telegram(10, registers(2_000_000, 100)));
    h.source.push(telegram(11, registers(2_000_010, 110)));
    h.source.push(telegram(12, registers(2_000_020, 120)));
    h.source.push(telegram(13, registers(1_999_000, 200)));
    h.source.push(telegram(14, registers(0, 300)));
    h.source.push(telegram(14, registers(2_000_500, 400)));
    h.source.push(telegram(15, registers(2_000_030, 500)));
    h.source.push(telegram(16, registers(2_000_040, 600)));
    await recorder.waitFor((m) => m.topic === `${h.prefix}/power` && m.payload === '600');
    // The first total once two more continue it, then each once the next confirms it; the drop and the
    // zero never go out. The first telegram waits for the second to confirm the meter number.
    assert.deepEqual(
      recorder.on(`${h.prefix}/energy_in`).map((m) => m.payload),
      ['2000.01', '2000.03'],
    );
    assert.deepEqual(
      recorder.on(`${h.prefix}/power`).map((m) => m.payload),
      ['110', '120', '200', '300', '500', '600'],
    );
    assert.equal(h.bridge.stats.rejectedByCode.COUNTER_REPLAY, 1);
    assert.equal(h.bridge.stats.valuesWithheld, 2);
  });

  it('keeps running while the broker is down and publishes discovery and the latest state again when it is back', async () => {
    const h = startBridge({ keys: { encryptionKey: TEST_KEY } });
    await connected(h);
    h.source.push(telegram(98, registers(2_999_990, 680)));
    h.source.push(telegram(99, registers(2_999_995, 690)));
    h.source.push(telegram(100, registers(3_000_000, 700)));
    const before = await record([`${h.prefix}/#`]);
    await before.waitFor((m) => m.topic === `${h.prefix}/power` && m.payload === '700');

    await broker.stop();
    // Telegrams keep arriving while the broker is away (the bridge has noticed: it says so); the last one
    // must be what HA sees afterwards.
    await until(() => h.logLines.some((l) => l.includes('lost; data keeps flowing')), 'the lost broker');
    h.source.push(telegram(101, registers(3_000_010, 800)));
    h.source.push(telegram(102, registers(3_000_020, 900)));
    // The first telegram waited for the second to confirm the meter number.
    assert.equal(h.bridge.stats.telegramsDecoded, 4);
    await broker.start();

    // Mosquitto runs without persistence: whatever is retained now was published again by the bridge.
    const afterRestart = await record([`${h.prefix}/#`, `ha${harnessCount}/#`]);
    await afterRestart.waitFor((m) => m.topic === `${h.prefix}/power` && m.payload === '900');
    // The last total confirmed: telegram 101's, by telegram 102.
    await afterRestart.waitFor((m) => m.topic === `${h.prefix}/energy_in` && m.payload === '3000.01');
    await afterRestart.waitFor(
      (m) => m.topic.startsWith(`ha${harnessCount}/device/`) && m.payload.includes('energy_in'),
    );
    await afterRestart.waitFor((m) => m.topic === `${h.prefix}/status` && m.payload === 'online');
  });

  it("re-sends discovery when Home Assistant's birth message says online", async () => {
    const h = startBridge({ keys: { encryptionKey: TEST_KEY } });
    await connected(h);
    h.source.push(telegram(200, registers(4_000_000, 100), 'evn'));
    h.source.push(telegram(201, registers(4_000_001, 100), 'evn'));
    const recorder = await record([`ha${harnessCount}/#`]);
    await recorder.waitFor((m) => m.topic.startsWith(`ha${harnessCount}/device/`));
    const mark = recorder.messages.length;
    await recorder.publish(`ha${harnessCount}/status`, 'online');
    const again = await recorder.waitFor((m) => m.topic.startsWith(`ha${harnessCount}/device/`), {
      from: mark,
    });
    const components = (JSON.parse(again.payload) as { components: Record<string, unknown> }).components;
    assert.ok('power_factor' in components, 'EVN sends a power factor');
    assert.equal('reactive_energy_in' in components, false, 'EVN sends no reactive energy: no sensor');
  });

  it('says offline when no valid telegram arrives for the stale timeout, and online again after one', async () => {
    const h = startBridge({ keys: { encryptionKey: TEST_KEY }, staleTimeoutS: 1 });
    await connected(h);
    const recorder = await record([`${h.prefix}/status`]);
    h.source.push(telegram(299, registers(5_000_000, 100)), telegram(300, registers(5_000_000, 100)));
    // The exact timing is test/unit/bridge-stale.test.ts's (a mocked clock); here the order, on a real broker.
    const online = await recorder.waitFor((m) => m.payload === 'online');
    await recorder.waitFor((m) => m.payload === 'offline', { from: recorder.messages.indexOf(online) });
    assert.ok(h.logLines.some((l) => l.includes('no valid telegram for')));
    const mark = recorder.messages.length;
    h.source.push(telegram(301, registers(5_000_001, 100)));
    await recorder.waitFor((m) => m.payload === 'online', { from: mark });
  });
});
