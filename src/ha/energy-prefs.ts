/**
 * Adding the meter to Home Assistant's Energy dashboard as grid consumption and return, by merging into
 * the existing energy preferences. Pure: prefs in, prefs out. Two grid formats (Home Assistant core, homeassistant/components/energy/data.py):
 * before HA 2026.3 one grid source with `flow_from`/`flow_to` lists; since then one flat object per grid
 * connection. The format is read from the data when there is a grid source, else from the HA version;
 * the two are never mixed.
 *
 * HA 2026.3 migrates a legacy grid source by position: `flow_from[i]`, `flow_to[i]` and `power[i]` become
 * grid connection i, a missing entry leaving that side empty (core energy/data.py,
 * `_migrate_legacy_grid_to_unified`). So in the legacy format ours go to the same index of every list:
 * the front of each, which moves every existing entry by one and keeps their pairs as they were.
 */

export type GridEntities = {
  readonly energyIn: string;
  readonly energyOut: string | undefined;
  readonly powerIn: string | undefined;
  readonly powerOut: string | undefined;
  /** The net power (import − export), the sign a legacy `power` entry's `stat_rate` has. */
  readonly power?: string | undefined;
};

export type EnergySource = Record<string, unknown> & { type: string };
export type EnergyPrefs = { energy_sources: EnergySource[] } & Record<string, unknown>;
export type GridFormat = 'legacy' | 'unified';

export type MergeResult =
  | { readonly changed: false; readonly reason: string }
  | { readonly changed: true; readonly energySources: EnergySource[]; readonly format: GridFormat };

type FlowFrom = { stat_energy_from?: unknown };
type FlowTo = { stat_energy_to?: unknown };

const isGrid = (source: EnergySource): boolean => source.type === 'grid';

export function versionAtLeast(version: string | undefined, year: number, month: number): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return false;
  const [y, m] = [Number(match[1]), Number(match[2])];
  return y > year || (y === year && m >= month);
}

export function gridFormat(prefs: EnergyPrefs, haVersion: string | undefined): GridFormat {
  const grid = prefs.energy_sources.filter(isGrid);
  if (grid.some((s) => Array.isArray(s['flow_from']) || Array.isArray(s['flow_to']))) return 'legacy';
  if (grid.length > 0) return 'unified';
  return versionAtLeast(haVersion, 2026, 3) ? 'unified' : 'legacy';
}

function importsOf(source: EnergySource): unknown[] {
  if (Array.isArray(source['flow_from']))
    return (source['flow_from'] as FlowFrom[]).map((f) => f.stat_energy_from);
  return [source['stat_energy_from']];
}

function exportsOf(source: EnergySource): unknown[] {
  if (Array.isArray(source['flow_to'])) return (source['flow_to'] as FlowTo[]).map((f) => f.stat_energy_to);
  return [source['stat_energy_to']];
}

export function mergeGrid(
  prefs: EnergyPrefs,
  entities: GridEntities,
  haVersion: string | undefined,
): MergeResult {
  const sources = prefs.energy_sources;
  const grid = sources.filter(isGrid);
  if (
    grid.some(
      (s) =>
        importsOf(s).includes(entities.energyIn) ||
        (entities.energyOut !== undefined && exportsOf(s).includes(entities.energyOut)),
    )
  ) {
    return { changed: false, reason: 'the meter is already in the Energy dashboard' };
  }
  const format = gridFormat(prefs, haVersion);
  if (format === 'unified') {
    const power =
      entities.powerIn !== undefined && entities.powerOut !== undefined
        ? { power_config: { stat_rate_from: entities.powerIn, stat_rate_to: entities.powerOut } }
        : {};
    const source: EnergySource = {
      type: 'grid',
      stat_energy_from: entities.energyIn,
      stat_energy_to: entities.energyOut ?? null,
      stat_cost: null,
      entity_energy_price: null,
      number_energy_price: null,
      stat_compensation: null,
      entity_energy_price_export: null,
      number_energy_price_export: null,
      ...power,
      cost_adjustment_day: 0,
    };
    return { changed: true, energySources: [...sources, source], format };
  }
  const flowFrom = {
    stat_energy_from: entities.energyIn,
    stat_cost: null,
    entity_energy_price: null,
    number_energy_price: null,
  };
  const flowTo =
    entities.energyOut === undefined
      ? undefined
      : {
          stat_energy_to: entities.energyOut,
          stat_compensation: null,
          entity_energy_price: null,
          number_energy_price: null,
        };
  const existing = grid[0];
  if (existing === undefined) {
    // Older cores allow one grid source only: create it, or extend the one there is.
    return {
      changed: true,
      energySources: [
        ...sources,
        {
          type: 'grid',
          flow_from: [flowFrom],
          flow_to: flowTo === undefined ? [] : [flowTo],
          cost_adjustment_day: 0,
        },
      ],
      format,
    };
  }
  const from = listOf(existing['flow_from']);
  const to = listOf(existing['flow_to']);
  // `power` exists only in the late legacy cores (and only those accept it): never added where it is not.
  const power = Array.isArray(existing['power']) ? (existing['power'] as unknown[]) : undefined;
  const powerEntry = entities.power === undefined ? undefined : { stat_rate: entities.power };
  let extended: EnergySource;
  if (flowTo !== undefined) {
    // Import and export at index 0 of every list, so that the migration makes them one grid connection.
    if (power !== undefined && power.length > 0 && powerEntry === undefined) {
      return {
        changed: false,
        reason:
          'the grid source has power sensors and this meter has no net power sensor to pair with its energy; add the meter in the Energy dashboard by hand',
      };
    }
    extended = {
      ...existing,
      flow_from: [flowFrom, ...from],
      flow_to: [flowTo, ...to],
      ...(power === undefined ? {} : { power: powerEntry === undefined ? power : [powerEntry, ...power] }),
    };
  } else {
    // Import only: it must land at an index no export (and no power sensor) has, or it would be paired with it.
    const index = from.length;
    if (index < to.length || index < (power?.length ?? 0)) {
      return {
        changed: false,
        reason:
          'the grid source lists more exports than imports, so an import added there would be paired with another export; add the meter in the Energy dashboard by hand',
      };
    }
    extended = { ...existing, flow_from: [...from, flowFrom] };
  }
  return { changed: true, energySources: sources.map((s) => (s === existing ? extended : s)), format };
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
