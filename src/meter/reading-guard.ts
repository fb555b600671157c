import { MeterError } from '../errors.js';
import type { Telegram, TelegramValues } from './meter-model.js';
import type { ValueKey } from './value-keys.js';

/**
 * The last line of defence before publishing, per meter (system title or meter id):
 *
 * - The frame counter must increase; a repeated or lower one is a replayed or duplicated telegram
 *   (COUNTER_REPLAY), and the whole telegram is dropped.
 * - An energy total lower than the last one published is withheld (ENERGY_DECREASED): Home Assistant's
 *   Energy dashboard would book the drop and the recovery as a huge spike. This covers a stray 0.
 *   The other values of the telegram still go out.
 */

const TOTALS: readonly ValueKey[] = ['energy_in', 'energy_out', 'reactive_energy_in', 'reactive_energy_out'];
/** How many meters' state to remember; one bridge reads one meter, a shared broker rarely more. */
const MAX_METERS = 16;

type MeterState = { frameCounter: number | undefined; totals: Map<ValueKey, number> };

export type GuardResult =
  | { readonly ok: true; readonly telegram: Telegram; readonly withheld: readonly MeterError[] }
  | { readonly ok: false; readonly error: MeterError };

export class ReadingGuard {
  private readonly meters = new Map<string, MeterState>();

  check(telegram: Telegram): GuardResult {
    const id = telegram.systemTitle ?? telegram.meterId ?? 'unknown';
    let state = this.meters.get(id);
    if (state === undefined) {
      if (this.meters.size >= MAX_METERS) {
        const oldest = this.meters.keys().next().value;
        if (oldest !== undefined) this.meters.delete(oldest);
      }
      state = { frameCounter: undefined, totals: new Map() };
      this.meters.set(id, state);
    }

    const counter = telegram.frameCounter;
    if (counter !== undefined && state.frameCounter !== undefined && counter <= state.frameCounter) {
      return {
        ok: false,
        error: new MeterError(
          'COUNTER_REPLAY',
          `frame counter ${counter} of ${id} does not increase (last ${state.frameCounter}): a repeated or replayed telegram, dropped`,
        ),
      };
    }

    const values: TelegramValues = { ...telegram.values };
    const withheld: MeterError[] = [];
    for (const key of TOTALS) {
      const value = values[key];
      if (typeof value !== 'number') continue;
      const last = state.totals.get(key);
      if (last !== undefined && value < last) {
        delete values[key];
        withheld.push(
          new MeterError(
            'ENERGY_DECREASED',
            `${key} ${value} is lower than the last published ${last}: not published`,
          ),
        );
      }
    }

    if (counter !== undefined) state.frameCounter = counter;
    for (const key of TOTALS) {
      const value = values[key];
      if (typeof value === 'number') state.totals.set(key, value);
    }
    return { ok: true, telegram: { ...telegram, values }, withheld };
  }
}
