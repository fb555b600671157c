import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { NO_DELIVERY } from '../../src/bridge/delivery.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import { HaIntegration } from '../../src/ha/ha-integration.js';
import { createLogger } from '../../src/log.js';
import { LiveState } from '../../src/web/live-state.js';
import {
  type FakeHomeAssistant,
  REAL_HA_COMMANDS,
  startFakeHomeAssistant,
} from '../support/fake-home-assistant.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes } from '../support/vectors.js';
import { until } from '../support/wait.js';

/**
 * The bridge's Home Assistant side against a local server speaking HA's WebSocket protocol: the entity
 * registry look-up (once, then followed by its events: never polled), the Energy dashboard in both grid
 * formats (once, and never again; a refusal said once and not retried), the persistent notification while
 * the key is wrong or nothing arrives (and its dismissal), a refused token and a dropped connection. Every
 * command the bridge sends must be one HA has.
 */

const KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const TOKEN = 'ha-token';
const METER = '1KFM0200000042';
const PREFIX = 'smartmeter_1kfm0200000042';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let counter = 1000;
function telegram(energyInWh: number): Uint8Array {
  counter++;
  return concatBytes(
    encodeMeterTelegram(
      'ksm-west',
      {
        time: {
          year: 2026,
          month: 11,
          day: 24,
          hour: 12,
          minute: 0,
          second: counter % 60,
          utcOffsetMinutes: 60,
        },
        meterNumber: METER,
        deviceName: 'KFM1200200000042',
        registers: {
          energyInWh,
          energyOutWh: 10,
          reactiveEnergyInVarh: 1,
          reactiveEnergyOutVarh: 1,
          powerInW: 300,
          powerOutW: 0,
          voltageDecivolts: [2300, 2300, 2300],
          currentCentiamps: [100, 100, 100],
          powerFactorMilli: 1000,
        },
      },
      {
        encryptionKey: KEY,
        systemTitle: Buffer.from('4B464D1020000042', 'hex'),
        frameCounter: counter,
        invokeId: counter,
      },
    ),
  );
}

type Setup = {
  ha: FakeHomeAssistant;
  source: PushSource;
  live: LiveState;
  integration: HaIntegration;
  log: string[];
  stateDir: string;
};

async function setup(options: {
  haVersion: string;
  bridgeKey?: Buffer;
  token?: string;
  energyDashboard?: boolean;
  stateDir?: string;
  ha?: FakeHomeAssistant;
}): Promise<Setup> {
  const ha = options.ha ?? (await startFakeHomeAssistant({ haVersion: options.haVersion, token: TOKEN }));
  if (options.ha === undefined) cleanups.push(() => ha.close());
  const log: string[] = [];
  const logger = createLogger({ level: 'debug', writer: { write: (l) => log.push(l) } });
  const source = new PushSource();
  // No MQTT at all: this test is about Home Assistant's API.
  const bridge = new Bridge(
    { keys: { encryptionKey: options.bridgeKey ?? KEY }, logConsole: false },
    { source, log: logger },
  );
  const live = new LiveState(bridge, NO_DELIVERY);
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'ha-state-'));
  const integration = new HaIntegration(
    bridge,
    {
      hassUrl: ha.url,
      token: options.token ?? TOKEN,
      energyDashboard: options.energyDashboard ?? false,
      stateDir,
      problemAfterMs: 300,
      pollMs: 50,
    },
    logger,
    // What the app does with the entity ids: the page shows them.
    { entities: (entities) => live.setEntities(entities) },
  );
  bridge.start();
  integration.start();
  cleanups.push(async () => {
    await integration.stop();
    await bridge.stop();
  });
  return { ha, source, live, integration, log, stateDir };
}

/** Three telegrams: the second confirms the meter number, the third the energy totals of the second. */
const threeTelegrams = (s: Setup, energyInWh: number): void =>
  s.source.push(telegram(energyInWh), telegram(energyInWh + 1), telegram(energyInWh + 2));

const sent = (ha: FakeHomeAssistant, type: string): Record<string, unknown>[] =>
  ha.messages.filter((m) => m['type'] === type);

/**
 * A later event to assert "nothing more happened" against: an unrelated sensor is created in HA, and the
 * bridge's look-up of it (`config/entity_registry/get`) arrives after anything it sent before.
 */
async function registryRoundTrip(ha: FakeHomeAssistant, name: string): Promise<void> {
  const entityId = `sensor.unrelated_${name}`;
  ha.createEntity({ entity_id: entityId, unique_id: `other_${name}`, platform: 'zha' });
  await until(
    () => ha.messages.some((m) => m['type'] === 'config/entity_registry/get' && m['entity_id'] === entityId),
    `the look-up of ${entityId}`,
  );
}

const registry = (ha: FakeHomeAssistant): void => {
  ha.registry = [
    { entity_id: 'sensor.kitchen_temperature', unique_id: 'zigbee_123', platform: 'zha' },
    { entity_id: 'sensor.meter_energy_import', unique_id: `${PREFIX}_energy_in`, platform: 'mqtt' },
    { entity_id: 'sensor.meter_energy_export', unique_id: `${PREFIX}_energy_out`, platform: 'mqtt' },
    { entity_id: 'sensor.meter_power_import', unique_id: `${PREFIX}_power_in`, platform: 'mqtt' },
    { entity_id: 'sensor.meter_power_export', unique_id: `${PREFIX}_power_out`, platform: 'mqtt' },
    { entity_id: 'sensor.meter_power', unique_id: `${PREFIX}_power`, platform: 'mqtt' },
    { entity_id: 'sensor.other_meter_energy', unique_id: 'smartmeter_other_energy_in', platform: 'mqtt' },
  ];
};

const commandsSent = (ha: FakeHomeAssistant): string[] => ha.messages.map((m) => String(m['type']));

function assertRealCommands(ha: FakeHomeAssistant): void {
  for (const type of commandsSent(ha))
    assert.ok(REAL_HA_COMMANDS.has(type), `not a Home Assistant command: ${type}`);
}

describe('Home Assistant WebSocket API', () => {
  it('finds our entity ids, adds the meter to the Energy dashboard (HA 2026.11, unified format) once, and never again', async () => {
    const s = await setup({ haVersion: '2026.11.2', energyDashboard: true });
    registry(s.ha);
    s.ha.energyPrefs = {
      energy_sources: [{ type: 'solar', stat_energy_from: 'sensor.pv' }],
      device_consumption: [],
      device_consumption_water: [],
    };
    // The meter number is named (and its entities looked up) once the second telegram confirms it; the energy
    // totals go out from the third, and only then does the meter go into the dashboard.
    threeTelegrams(s, 5000);
    await until(() => existsSync(join(s.stateDir, 'energy-dashboard.json')), 'the energy dashboard set-up');
    assert.deepEqual(s.live.snapshot().entities, {
      energy_in: 'sensor.meter_energy_import',
      energy_out: 'sensor.meter_energy_export',
      power_in: 'sensor.meter_power_import',
      power_out: 'sensor.meter_power_export',
      power: 'sensor.meter_power',
    });
    const sources = (s.ha.energyPrefs as { energy_sources: Record<string, unknown>[] }).energy_sources;
    assert.equal(sources.length, 2);
    assert.deepEqual(sources[0], { type: 'solar', stat_energy_from: 'sensor.pv' });
    assert.equal(sources[1]?.['stat_energy_from'], 'sensor.meter_energy_import');
    assert.equal(sources[1]?.['stat_energy_to'], 'sensor.meter_energy_export');
    assert.deepEqual(sources[1]?.['power_config'], {
      stat_rate_from: 'sensor.meter_power_import',
      stat_rate_to: 'sensor.meter_power_export',
    });
    const saves = s.ha.messages.filter((m) => m['type'] === 'energy/save_prefs');
    assert.equal(saves.length, 1);
    assert.deepEqual(
      Object.keys(saves[0] ?? {}).sort(),
      ['energy_sources', 'id', 'type'],
      'only energy_sources is sent back',
    );
    assert.ok(
      s.log.some((l) =>
        l.includes(
          'added sensor.meter_energy_import and sensor.meter_energy_export to the Energy dashboard (unified',
        ),
      ),
    );
    await s.integration.stop();

    // The user removes the meter from the dashboard; a restart of the bridge must not put it back.
    s.ha.energyPrefs = {
      energy_sources: [{ type: 'solar', stat_energy_from: 'sensor.pv' }],
      device_consumption: [],
      device_consumption_water: [],
    };
    const again = await setup({
      haVersion: '2026.11.2',
      energyDashboard: true,
      stateDir: s.stateDir,
      ha: s.ha,
    });
    const getsBefore = sent(s.ha, 'energy/get_prefs').length;
    threeTelegrams(again, 5003);
    await until(
      () => Object.keys(again.live.snapshot().entities).length === 5,
      'entity look-up after restart',
    );
    await registryRoundTrip(s.ha, 'after_restart');
    assert.equal(sent(s.ha, 'energy/save_prefs').length, 1, 'not saved again');
    assert.equal(sent(s.ha, 'energy/get_prefs').length, getsBefore, 'not even looked at again');
    assertRealCommands(s.ha);
  });

  it('HA 2026.2 with energy never configured (not_found): a legacy grid source', async () => {
    const s = await setup({ haVersion: '2026.2.1', energyDashboard: true });
    registry(s.ha);
    threeTelegrams(s, 6000);
    await until(() => existsSync(join(s.stateDir, 'energy-dashboard.json')), 'the energy dashboard set-up');
    const sources = (s.ha.energyPrefs as { energy_sources: Record<string, unknown>[] }).energy_sources;
    assert.equal(sources.length, 1);
    assert.deepEqual(
      ((sources[0]?.['flow_from'] ?? []) as Record<string, unknown>[])[0]?.['stat_energy_from'],
      'sensor.meter_energy_import',
    );
    assert.equal(
      'stat_energy_from' in (sources[0] ?? {}),
      false,
      'never the unified keys in the legacy format',
    );
    assertRealCommands(s.ha);
  });

  it('without the option, the Energy dashboard is left alone', async () => {
    const s = await setup({ haVersion: '2026.11.2' });
    registry(s.ha);
    threeTelegrams(s, 7000);
    await until(() => Object.keys(s.live.snapshot().entities).length === 5, 'entity look-up');
    await registryRoundTrip(s.ha, 'no_option');
    assert.deepEqual(
      commandsSent(s.ha).filter((t) => t.startsWith('energy/')),
      [],
    );
  });

  it('a wrong key for a minute (here 300 ms): a notification that says so, and it goes away when telegrams decode', async () => {
    const s = await setup({
      haVersion: '2026.11.2',
      bridgeKey: Buffer.from('FFEEDDCCBBAA99887766554433221100', 'hex'),
    });
    const timer = setInterval(() => s.source.push(telegram(8000)), 50);
    cleanups.push(async () => clearInterval(timer));
    await until(
      () => s.ha.messages.some((m) => m['type'] === 'call_service' && m['service'] === 'create'),
      'a notification',
    );
    const create = s.ha.messages.find((m) => m['type'] === 'call_service' && m['service'] === 'create') ?? {};
    assert.equal(create['domain'], 'persistent_notification');
    const data = create['service_data'] as Record<string, string>;
    assert.equal(data['notification_id'], 'smartmeter_bridge_problem');
    assert.match(data['title'] ?? '', /wrong key/);
    assert.match(data['message'] ?? '', /key does not fit this meter/);
    assert.match(data['message'] ?? '', /Schlüssel passt nicht/);
    clearInterval(timer);
    assertRealCommands(s.ha);
  });

  it('nothing arriving is a notification too, dismissed once telegrams decode; a dropped connection is survived', async () => {
    const s = await setup({ haVersion: '2026.11.2' });
    await until(
      () => s.ha.messages.some((m) => m['type'] === 'call_service' && m['service'] === 'create'),
      'a notification',
    );
    const create = s.ha.messages.find((m) => m['service'] === 'create') ?? {};
    assert.match((create['service_data'] as Record<string, string>)['title'] ?? '', /no data/);
    s.ha.dropConnections();
    // The library reconnects by itself: telegrams from here on are seen by a connected integration.
    await until(() => sent(s.ha, 'auth').length >= 2, 'the reconnection');
    const timer = setInterval(() => s.source.push(telegram(9000)), 50);
    cleanups.push(async () => clearInterval(timer));
    await until(
      () => s.ha.messages.some((m) => m['type'] === 'call_service' && m['service'] === 'dismiss'),
      'the dismissal',
      10_000,
    );
    assert.equal(
      s.ha.messages.filter((m) => m['type'] === 'auth').length >= 2,
      true,
      'authenticated again after the drop',
    );
    clearInterval(timer);
    assertRealCommands(s.ha);
  });

  it('reads the entity registry once when the meter is known, then follows its events: no polling', async () => {
    // pollMs is 50 ms here: a registry poll would show up as many list commands below.
    const s = await setup({ haVersion: '2026.11.2' });
    threeTelegrams(s, 10_000);
    // Discovery has not created the entities yet when the bridge first looks.
    await until(() => sent(s.ha, 'config/entity_registry/list').length === 1, 'the one registry look-up');
    assert.deepEqual(s.live.snapshot().entities, {});
    // MQTT discovery creates them one by one; each create event is looked up by itself.
    s.ha.createEntity({
      entity_id: 'sensor.meter_energy_import',
      unique_id: `${PREFIX}_energy_in`,
      platform: 'mqtt',
    });
    s.ha.createEntity({
      entity_id: 'sensor.meter_power_import',
      unique_id: `${PREFIX}_power_in`,
      platform: 'mqtt',
    });
    s.ha.createEntity({ entity_id: 'sensor.somebody_else', unique_id: 'zigbee_9', platform: 'zha' });
    await until(() => Object.keys(s.live.snapshot().entities).length === 2, 'the created entities');
    // The user renames one: the rename event follows it.
    s.ha.renameEntity('sensor.meter_energy_import', 'sensor.grid_import');
    await until(
      () => s.live.snapshot().entities['energy_in'] === 'sensor.grid_import',
      'the renamed entity id on the page',
    );
    assert.deepEqual(s.live.snapshot().entities, {
      energy_in: 'sensor.grid_import',
      power_in: 'sensor.meter_power_import',
    });
    // A later event: nothing arrives for the problem delay (300 ms = six poll periods), and the notification
    // says so. By then a polling loop would have listed the registry again and again.
    await until(
      () => sent(s.ha, 'call_service').some((m) => m['service'] === 'create'),
      'the no-data notification',
    );
    assert.equal(sent(s.ha, 'config/entity_registry/list').length, 1, 'the registry is listed once');
    assertRealCommands(s.ha);
  });

  it('a refused energy/save_prefs (invalid_format) is said once, remembered, and never retried', async () => {
    const s = await setup({ haVersion: '2026.11.2', energyDashboard: true });
    registry(s.ha);
    s.ha.savePrefsError = {
      code: 'invalid_format',
      message: "extra keys not allowed @ data['energy_sources'][0]['power_config']",
    };
    threeTelegrams(s, 11_000);
    await until(
      () => sent(s.ha, 'call_service').some((m) => m['service'] === 'create'),
      'the notification about the Energy dashboard',
    );
    const notice = sent(s.ha, 'call_service').find((m) => m['service'] === 'create') ?? {};
    const data = notice['service_data'] as Record<string, string>;
    assert.equal(data['notification_id'], 'smartmeter_bridge_energy_dashboard');
    assert.match(data['message'] ?? '', /Add it by hand/);
    assert.match(data['message'] ?? '', /Bitte von Hand hinzufügen/);
    const marker = JSON.parse(readFileSync(join(s.stateDir, 'energy-dashboard.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.match(String(marker['rejected']), /extra keys not allowed/);
    assert.equal(s.log.filter((l) => l.includes('refused the Energy dashboard settings')).length, 1);

    // Later events: the connection drops and comes back (the registry is read again), and HA creates an entity.
    s.ha.dropConnections();
    await until(
      () => sent(s.ha, 'config/entity_registry/list').length >= 2,
      'the look-up after reconnecting',
    );
    await registryRoundTrip(s.ha, 'after_refusal');
    assert.equal(sent(s.ha, 'energy/save_prefs').length, 1, 'not retried');
    assert.equal(sent(s.ha, 'energy/get_prefs').length, 1);
    assert.equal(
      s.log.filter((l) => l.includes(' WARN ') && l.includes('Energy dashboard')).length,
      1,
      'said once',
    );
    await s.integration.stop();

    // Nor after a restart: the refusal is remembered in the state folder.
    const again = await setup({
      haVersion: '2026.11.2',
      energyDashboard: true,
      stateDir: s.stateDir,
      ha: s.ha,
    });
    threeTelegrams(again, 11_003);
    await until(
      () => Object.keys(again.live.snapshot().entities).length === 5,
      'entity look-up after restart',
    );
    await registryRoundTrip(s.ha, 'after_refusal_restart');
    assert.equal(sent(s.ha, 'energy/save_prefs').length, 1);
    assert.equal(
      sent(s.ha, 'call_service').filter((m) => m['service'] === 'create').length,
      1,
      'the notification is not repeated',
    );
    assertRealCommands(s.ha);
  });

  it("reads Home Assistant's language on connecting and again when its configuration changes", async () => {
    const ha = await startFakeHomeAssistant({ haVersion: '2026.11.2', token: TOKEN });
    cleanups.push(() => ha.close());
    ha.language = 'de-AT';
    const s = await setup({ haVersion: '2026.11.2', ha });
    await until(() => s.log.some((l) => l.includes('entity names in German')), 'the language');
    ha.language = 'en-GB';
    ha.fireEvent('core_config_updated', { language: 'en-GB' });
    await until(() => s.log.some((l) => l.includes('entity names in English')), 'the new language');
    assert.equal(sent(ha, 'get_config').length, 2);
    assertRealCommands(ha);
  });

  it('a refused token: a clear warning, no commands, no crash', async () => {
    const s = await setup({ haVersion: '2026.11.2', token: 'wrong' });
    await until(() => s.log.some((l) => l.includes('refused the token')), 'the warning');
    assert.deepEqual([...new Set(commandsSent(s.ha))], ['auth']);
    assert.equal(s.log.filter((l) => l.includes('refused the token')).length, 1, 'said once, not every poll');
  });
});
