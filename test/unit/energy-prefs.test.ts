import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EnergyPrefs, gridFormat, mergeGrid, versionAtLeast } from '../../src/ha/energy-prefs.js';

const METER = {
  energyIn: 'sensor.smartmeter_1kfm_energy_in',
  energyOut: 'sensor.smartmeter_1kfm_energy_out',
  powerIn: 'sensor.smartmeter_1kfm_power_in',
  powerOut: 'sensor.smartmeter_1kfm_power_out',
};
const empty = (): EnergyPrefs => ({
  energy_sources: [],
  device_consumption: [],
  device_consumption_water: [],
});
const solar = { type: 'solar', stat_energy_from: 'sensor.pv', config_entry_solar_forecast: null };

describe('Energy dashboard preferences', () => {
  it('reads the HA version', () => {
    assert.equal(versionAtLeast('2026.3.0', 2026, 3), true);
    assert.equal(versionAtLeast('2026.2.5', 2026, 3), false);
    assert.equal(versionAtLeast('2027.1.0b1', 2026, 3), true);
    assert.equal(versionAtLeast('2025.12.4', 2026, 3), false);
  });

  it('HA ≥ 2026.3 with no grid yet: one unified grid source with power, other sources kept', () => {
    const prefs = { ...empty(), energy_sources: [solar] };
    const result = mergeGrid(prefs, METER, '2026.11.1');
    assert.ok(result.changed);
    assert.equal(result.format, 'unified');
    assert.deepEqual(result.energySources[0], solar);
    assert.deepEqual(result.energySources[1], {
      type: 'grid',
      stat_energy_from: METER.energyIn,
      stat_energy_to: METER.energyOut,
      stat_cost: null,
      entity_energy_price: null,
      number_energy_price: null,
      stat_compensation: null,
      entity_energy_price_export: null,
      number_energy_price_export: null,
      power_config: { stat_rate_from: METER.powerIn, stat_rate_to: METER.powerOut },
      cost_adjustment_day: 0,
    });
    assert.equal(
      'flow_from' in (result.energySources[1] ?? {}),
      false,
      'never the legacy keys in the new format',
    );
  });

  it('HA < 2026.3 with no grid yet: one legacy grid source with flow_from and flow_to', () => {
    const result = mergeGrid(empty(), METER, '2026.2.3');
    assert.ok(result.changed);
    assert.equal(result.format, 'legacy');
    assert.deepEqual(result.energySources, [
      {
        type: 'grid',
        flow_from: [
          {
            stat_energy_from: METER.energyIn,
            stat_cost: null,
            entity_energy_price: null,
            number_energy_price: null,
          },
        ],
        flow_to: [
          {
            stat_energy_to: METER.energyOut,
            stat_compensation: null,
            entity_energy_price: null,
            number_energy_price: null,
          },
        ],
        cost_adjustment_day: 0,
      },
    ]);
  });

  it('a legacy grid source already there is extended (older cores allow only one), its other fields kept', () => {
    const other = {
      stat_energy_from: 'sensor.old_meter',
      stat_cost: 'sensor.cost',
      entity_energy_price: null,
      number_energy_price: null,
    };
    const prefs = {
      ...empty(),
      energy_sources: [
        {
          type: 'grid',
          flow_from: [other],
          flow_to: [],
          cost_adjustment_day: 0.5,
          power: [{ stat_rate: 'sensor.p' }],
        },
      ],
    };
    // The data says legacy, so legacy it stays even if the version says otherwise.
    assert.equal(gridFormat(prefs, '2026.5.0'), 'legacy');
    const result = mergeGrid(prefs, METER, '2026.5.0');
    assert.ok(result.changed);
    const grid = result.energySources[0] as Record<string, unknown>;
    assert.equal(result.energySources.length, 1);
    assert.equal(grid['cost_adjustment_day'], 0.5);
    assert.deepEqual(grid['power'], [{ stat_rate: 'sensor.p' }]);
    assert.deepEqual((grid['flow_from'] as unknown[])[0], other);
    assert.equal((grid['flow_from'] as Record<string, unknown>[])[1]?.['stat_energy_from'], METER.energyIn);
  });

  it('a unified grid source of another meter stays; ours is added beside it', () => {
    const theirs = {
      type: 'grid',
      stat_energy_from: 'sensor.other',
      stat_energy_to: null,
      cost_adjustment_day: 0,
    };
    const result = mergeGrid({ ...empty(), energy_sources: [theirs] }, METER, '2025.1.0');
    assert.ok(result.changed);
    assert.equal(result.format, 'unified');
    assert.deepEqual(result.energySources[0], theirs);
    assert.equal(result.energySources.length, 2);
  });

  it('does nothing when our meter is already there, in either format', () => {
    const unified = {
      ...empty(),
      energy_sources: [{ type: 'grid', stat_energy_from: METER.energyIn, cost_adjustment_day: 0 }],
    };
    const legacy = {
      ...empty(),
      energy_sources: [
        {
          type: 'grid',
          flow_from: [],
          flow_to: [{ stat_energy_to: METER.energyOut }],
          cost_adjustment_day: 0,
        },
      ],
    };
    assert.equal(mergeGrid(unified, METER, '2026.11.0').changed, false);
    assert.equal(mergeGrid(legacy, METER, '2026.1.0').changed, false);
  });

  it('without export and power sensors only the import is added', () => {
    const result = mergeGrid(
      empty(),
      { energyIn: METER.energyIn, energyOut: undefined, powerIn: undefined, powerOut: undefined },
      '2026.4.0',
    );
    assert.ok(result.changed);
    const grid = result.energySources[0] as Record<string, unknown>;
    assert.equal(grid['stat_energy_to'], null);
    assert.equal('power_config' in grid, false);
  });
});
