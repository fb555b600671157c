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

type Flow = Record<string, unknown>;
type Connection = { from: unknown; to: unknown; rate: unknown };

/**
 * HA 2026.3's storage migration of a legacy grid source, as its rule reads (core energy/data.py
 * `_migrate_legacy_grid_to_unified`): `flow_from[i]`, `flow_to[i]` and `power[i]` become grid connection i;
 * where a list is shorter, that side of the connection is empty. Only the pairing is modelled.
 */
function migrate(grid: Record<string, unknown>): Connection[] {
  const from = (grid['flow_from'] as Flow[] | undefined) ?? [];
  const to = (grid['flow_to'] as Flow[] | undefined) ?? [];
  const power = (grid['power'] as Flow[] | undefined) ?? [];
  const connections: Connection[] = [];
  for (let i = 0; i < Math.max(from.length, to.length, power.length); i++) {
    connections.push({
      from: from[i]?.['stat_energy_from'] ?? null,
      to: to[i]?.['stat_energy_to'] ?? null,
      rate: power[i]?.['stat_rate'] ?? null,
    });
  }
  return connections;
}

const importOf = (stat: string): Flow => ({
  stat_energy_from: stat,
  stat_cost: null,
  entity_energy_price: null,
  number_energy_price: null,
});
const exportOf = (stat: string): Flow => ({
  stat_energy_to: stat,
  stat_compensation: null,
  entity_energy_price: null,
  number_energy_price: null,
});

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
    const result = mergeGrid(prefs, { ...METER, power: 'sensor.smartmeter_1kfm_power' }, '2026.5.0');
    assert.ok(result.changed);
    const grid = result.energySources[0] as Record<string, unknown>;
    assert.equal(result.energySources.length, 1);
    assert.equal(grid['cost_adjustment_day'], 0.5);
    // Ours in front of every list, theirs one further along: each keeps its partner.
    assert.deepEqual(grid['power'], [
      { stat_rate: 'sensor.smartmeter_1kfm_power' },
      { stat_rate: 'sensor.p' },
    ]);
    assert.deepEqual((grid['flow_from'] as unknown[])[1], other);
    assert.equal((grid['flow_from'] as Record<string, unknown>[])[0]?.['stat_energy_from'], METER.energyIn);
    assert.deepEqual(migrate(grid), [
      { from: METER.energyIn, to: METER.energyOut, rate: 'sensor.smartmeter_1kfm_power' },
      { from: 'sensor.old_meter', to: null, rate: 'sensor.p' },
    ]);
  });

  it("legacy lists of different lengths: HA 2026.3's migration pairs our import with our export, and theirs as before", () => {
    // Someone's grid source: two imports (day and night tariff) and one export.
    const grid = {
      type: 'grid',
      flow_from: [importOf('sensor.day'), importOf('sensor.night')],
      flow_to: [exportOf('sensor.feed_in')],
      cost_adjustment_day: 0,
    };
    const before = migrate(grid);
    const result = mergeGrid({ ...empty(), energy_sources: [grid] }, METER, '2026.2.0');
    assert.ok(result.changed);
    assert.equal(result.format, 'legacy');
    const after = migrate(result.energySources[0] as Record<string, unknown>);
    assert.deepEqual(after[0], { from: METER.energyIn, to: METER.energyOut, rate: null });
    assert.deepEqual(after.slice(1), before, 'every existing pair is kept');
    // Appending (the old way) would have paired our import with nobody's export and our export with "night".
    const appended = migrate({
      ...grid,
      flow_from: [...grid.flow_from, importOf(METER.energyIn)],
      flow_to: [...grid.flow_to, exportOf(METER.energyOut)],
    });
    assert.deepEqual(appended[1], { from: 'sensor.night', to: METER.energyOut, rate: null });
    // Nothing else changes: no power list where the core had none (older cores reject the key).
    assert.equal('power' in (result.energySources[0] ?? {}), false);
  });

  it('legacy, import only: appended where no export stands, or left to the user when every place is taken', () => {
    const onlyImport = {
      energyIn: METER.energyIn,
      energyOut: undefined,
      powerIn: undefined,
      powerOut: undefined,
    };
    const free = {
      type: 'grid',
      flow_from: [importOf('sensor.a')],
      flow_to: [exportOf('sensor.b')],
      cost_adjustment_day: 0,
    };
    const added = mergeGrid({ ...empty(), energy_sources: [free] }, onlyImport, '2026.1.0');
    assert.ok(added.changed);
    assert.deepEqual(migrate(added.energySources[0] as Record<string, unknown>), [
      { from: 'sensor.a', to: 'sensor.b', rate: null },
      { from: METER.energyIn, to: null, rate: null },
    ]);
    const taken = { ...free, flow_to: [exportOf('sensor.b'), exportOf('sensor.c')] };
    const refused = mergeGrid({ ...empty(), energy_sources: [taken] }, onlyImport, '2026.1.0');
    assert.equal(refused.changed, false);
    assert.match(refused.changed ? '' : refused.reason, /by hand/);
  });

  it('legacy with power sensors and no net power sensor of ours: left to the user rather than mispaired', () => {
    const grid = {
      type: 'grid',
      flow_from: [importOf('sensor.a')],
      flow_to: [],
      power: [{ stat_rate: 'sensor.p' }],
      cost_adjustment_day: 0,
    };
    const result = mergeGrid({ ...empty(), energy_sources: [grid] }, METER, '2026.1.0');
    assert.equal(result.changed, false);
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
