import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingressUrl } from '../../src/addon/supervisor.js';
import { VALUE_KEYS } from '../../src/meter/value-keys.js';
import { discoveryLanguage } from '../../src/meter/value-names.js';
import { buildDiscovery, modelIdOf } from '../../src/mqtt/discovery.js';
import { VECTORS } from '../support/vectors.js';

describe('discovery: what the device says about itself', () => {
  it('model_id is the logical device name without its serial number', () => {
    assert.equal(modelIdOf('KFM1200200175269', '1KFM0200175269'), 'KFM120');
    assert.equal(modelIdOf('KFM1100100000035', '1KFM0100000035'), 'KFM110');
    // Every captured KSM-West telegram: a model of FLAG + three characters, never the serial.
    for (const vector of VECTORS) {
      const name = vector.expected?.['0-0:42.0.0.255'];
      const meter = vector.expected?.['0-0:96.1.0.255'];
      if (typeof name !== 'string' || typeof meter !== 'string') continue;
      const model = modelIdOf(name, meter);
      assert.match(model ?? '', /^KFM1[12]0$/, `${name} / ${meter}`);
      assert.ok(!(model ?? '').includes(meter.slice(-6)));
    }
  });

  it('no model_id when the name does not end in the serial number, or there is no name', () => {
    assert.equal(modelIdOf(undefined, '1KFM0200175269'), undefined);
    assert.equal(modelIdOf('KFM1200200999999', '1KFM0200175269'), undefined);
    assert.equal(modelIdOf('0200175269', '1KFM0200175269'), undefined, 'nothing but the serial');
    const config = JSON.parse(
      buildDiscovery({
        discoveryPrefix: 'homeassistant',
        topicPrefix: 'home/smart_meter',
        meterId: '181220000009',
        systemTitle: '4B464D6750000009',
        deviceName: undefined,
        keys: ['energy_in'],
        expireAfterS: 30,
      }).payload,
    ) as { device: Record<string, unknown> };
    assert.equal('model_id' in config.device, false);
    assert.equal('sw_version' in config.device, false, 'no meter sends its firmware');
  });

  it("Home Assistant's language picks the names: German for every de-*, English otherwise", () => {
    for (const language of ['de', 'de-AT', 'de-CH', 'DE']) assert.equal(discoveryLanguage(language), 'de');
    for (const language of ['en', 'en-GB', 'fr', 'nl', undefined, ''])
      assert.equal(discoveryLanguage(language), 'en');
  });

  it('links the device to the add-on page the way Home Assistant integrations do', () => {
    assert.equal(
      ingressUrl('a0d7b954_smartmeter_bridge'),
      'homeassistant://hassio/ingress/a0d7b954_smartmeter_bridge',
    );
  });
});

describe('discovery: the tariff registers', () => {
  it('energy_in_t1/t2 and energy_out_t1/t2 are energy totals in kWh, after the keys there were before', () => {
    const keys = ['energy_in', 'energy_in_t1', 'energy_in_t2', 'energy_out_t1', 'energy_out_t2'] as const;
    const config = JSON.parse(
      buildDiscovery({
        discoveryPrefix: 'homeassistant',
        topicPrefix: 'home/smart_meter',
        meterId: 'LGZ1030740710430',
        systemTitle: '4C475A677370B177',
        deviceName: undefined,
        keys: [...keys],
        expireAfterS: 30,
        language: 'de',
      }).payload,
    ) as { components: Record<string, Record<string, unknown>> };
    for (const key of keys.slice(1)) {
      const component = config.components[key];
      assert.ok(component !== undefined, key);
      assert.equal(component['device_class'], 'energy', key);
      assert.equal(component['state_class'], 'total_increasing', key);
      assert.equal(component['unit_of_measurement'], 'kWh', key);
      assert.equal(component['suggested_display_precision'], 3, key);
      assert.equal(component['state_topic'], `home/smart_meter/${key}`, key);
      assert.equal(component['unique_id'], `smartmeter_lgz1030740710430_${key}`, key);
      assert.equal('enabled_by_default' in component, false, key);
    }
    assert.equal(config.components['energy_in_t2']?.['name'], 'Energie Bezug Tarif 2');
    // Publishing order: the existing keys first, so nothing that was there moves.
    assert.deepEqual(Object.keys(config.components).slice(0, keys.length), [...keys]);
    const order = VALUE_KEYS.map((spec) => spec.key);
    assert.deepEqual(order.slice(-4), ['energy_in_t1', 'energy_in_t2', 'energy_out_t1', 'energy_out_t2']);
    assert.deepEqual(order.slice(0, 2), ['energy_in', 'energy_out']);
  });
});
