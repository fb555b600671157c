import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingressUrl } from '../../src/addon/supervisor.js';
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
