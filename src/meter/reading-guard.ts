import { MeterError } from '../errors.js';
import { IdentityBinding } from './identity-binding.js';
import type { Telegram, TelegramValues } from './meter-model.js';
import { dropImplausible, TOTALS } from './plausibility.js';
import { ANOMALY_CONFIRMATIONS, type Sample, TotalTrack } from './total-track.js';
import { VALUE_KEYS, type ValueKey } from './value-keys.js';

/**
 * The last gate before any sink, per meter (its system title): nothing is published that the meter did
 * not send (README, "Nothing the meter did not send").
 *
 * - The frame counter must increase; a repeated or lower one is a duplicated or replayed telegram
 *   (COUNTER_REPLAY), dropped whole, unless several telegrams in a row count up from a new, lower start.
 * - Instantaneous values outside what a household meter measures, NaN and infinities are not published
 *   (IMPLAUSIBLE); the telegram's other values still are (plausibility.ts).
 * - Energy totals go out once the next telegram confirms them; jumps and drops are held (total-track.ts).
 * - Meter number and device name are bound to the system title (identity-binding.ts), and so is the push's
 *   layout: a telegram whose OBIS codes, scalers or units differ from the meter's is damaged and dropped.
 * `obis` keeps a register of a value key only when the value published is the one this telegram carried.
 */

const MAX_METERS = 16;
/** Layouts remembered per meter; some meters alternate between two. Only unconfirmed ones are forgotten. */
const MAX_LAYOUTS = 8;

type MeterState = {
  frameCounter: number | undefined;
  /** Telegrams in a row whose counters rise from below the last accepted one. */
  lowCounters: { last: number; count: number } | undefined;
  readonly totals: Map<ValueKey, TotalTrack>;
  readonly meterId: IdentityBinding;
  readonly deviceName: IdentityBinding;
  /** Push layouts seen (structure fingerprint → times seen): one seen twice is the meter's. */
  readonly layouts: Map<number, number>;
};

export type GuardResult =
  | {
      readonly ok: true;
      readonly telegram: Telegram;
      /** Values not published from this telegram, each with its reason. */
      readonly withheld: readonly MeterError[];
      /** A held change that was confirmed and is now published: worth one log line. */
      readonly notices: readonly string[];
      /**
       * The meter number, device name and push layout this telegram carries were confirmed by an earlier
       * telegram: it may be published, and discovery may name the device. A meter's first telegram is not.
       */
      readonly identityConfirmed: boolean;
      /** The device name bound to the meter, whether or not this telegram carried it. */
      readonly deviceName: string | undefined;
    }
  | { readonly ok: false; readonly error: MeterError };

const TOTAL_UNITS: Readonly<Record<string, string>> = Object.fromEntries(
  VALUE_KEYS.map((spec) => [spec.key, spec.unit ?? '']),
);

export class ReadingGuard {
  private readonly meters = new Map<string, MeterState>();

  /** `receivedAt`: the bridge's clock (ms) when the telegram arrived; the meter's own clock is preferred. */
  check(telegram: Telegram, receivedAt: number): GuardResult {
    const id = telegram.systemTitle ?? 'unencrypted';
    const state = this.stateOf(id);
    const notices: string[] = [];

    const counter = telegram.frameCounter;
    const replay = checkCounter(state, counter, id, notices);
    if (replay !== undefined) return { ok: false, error: replay };

    const layout = checkLayout(state.layouts, telegram.structure);
    if (layout === 'damaged') {
      return {
        ok: false,
        error: new MeterError(
          'AXDR_INVALID',
          `the telegram of ${id} (frame counter ${counter ?? '?'}) was damaged on the way: its layout (OBIS codes, ` +
            "scalers, units) is not the one this meter sends; dropped, and used only if the meter's next telegrams have it too",
        ),
      };
    }

    const values: TelegramValues = { ...telegram.values };
    const withheld = dropImplausible(values);

    const meterS = telegram.time === undefined ? undefined : Date.parse(telegram.time) / 1000;
    const totalsTime = confirmTotals(state, values, withheld, notices, {
      time: telegram.time,
      meterS: Number.isFinite(meterS) ? meterS : undefined,
      receivedS: receivedAt / 1000,
    });

    const meterId = bindIdentity(values, 'meter_id', state.meterId, telegram.systemTitle, withheld, notices);
    const deviceName = bindIdentity(
      values,
      'device_name',
      state.deviceName,
      telegram.systemTitle,
      withheld,
      notices,
    );

    const obis = { ...telegram.obis };
    for (const spec of VALUE_KEYS) {
      if (spec.obis !== undefined && values[spec.key] !== telegram.values[spec.key]) delete obis[spec.obis];
    }
    const identityConfirmed =
      layout === 'known' &&
      (!state.meterId.seen || state.meterId.bound !== undefined) &&
      (!state.deviceName.seen || state.deviceName.bound !== undefined);
    return {
      ok: true,
      telegram: { ...telegram, meterId, totalsTime, values, obis },
      withheld,
      notices,
      identityConfirmed,
      deviceName,
    };
  }

  private stateOf(id: string): MeterState {
    let state = this.meters.get(id);
    if (state === undefined) {
      if (this.meters.size >= MAX_METERS) {
        const oldest = this.meters.keys().next().value;
        if (oldest !== undefined) this.meters.delete(oldest);
      }
      state = {
        frameCounter: undefined,
        lowCounters: undefined,
        totals: new Map(),
        meterId: new IdentityBinding('meter number'),
        deviceName: new IdentityBinding('device name'),
        layouts: new Map(),
      };
      this.meters.set(id, state);
    }
    return state;
  }
}

/** COUNTER_REPLAY for a counter that does not increase, unless the last few count up from a restart. */
function checkCounter(
  state: MeterState,
  counter: number | undefined,
  id: string,
  notices: string[],
): MeterError | undefined {
  if (counter !== undefined && state.frameCounter !== undefined && counter <= state.frameCounter) {
    const low = state.lowCounters;
    state.lowCounters =
      low !== undefined && counter > low.last
        ? { last: counter, count: low.count + 1 }
        : { last: counter, count: 1 };
    if (state.lowCounters.count < ANOMALY_CONFIRMATIONS) {
      return new MeterError(
        'COUNTER_REPLAY',
        `frame counter ${counter} of ${id} does not increase (last ${state.frameCounter}): a repeated or replayed telegram, dropped`,
      );
    }
    notices.push(
      `frame counter of ${id} restarted at ${counter} (was ${state.frameCounter}); ${ANOMALY_CONFIRMATIONS} telegrams in a row count up from there`,
    );
  }
  state.lowCounters = undefined;
  if (counter !== undefined) state.frameCounter = counter;
  return undefined;
}

/**
 * Replaces each total in `values` by the value its track confirms now, or removes it; returns the time of
 * the telegram the published totals came from. Totals carry one time: one that a telegram lacked comes
 * from an earlier telegram than the others and waits for the next, rather than go out under another's time.
 */
function confirmTotals(
  state: MeterState,
  values: TelegramValues,
  withheld: MeterError[],
  notices: string[],
  timing: Omit<Sample, 'value'>,
): string | undefined {
  let totalsTime: string | undefined;
  const confirmedAt = new Map<ValueKey, string | undefined>();
  for (const key of TOTALS) {
    const value = values[key];
    if (typeof value !== 'number') continue;
    let track = state.totals.get(key);
    if (track === undefined) {
      track = new TotalTrack(key, TOTAL_UNITS[key] ?? '');
      state.totals.set(key, track);
    }
    const step = track.push({ value, ...timing });
    if (step.held !== undefined) withheld.push(step.held);
    if (step.accepted !== undefined) notices.push(step.accepted);
    if (step.publish === undefined) {
      delete values[key];
      continue;
    }
    values[key] = step.publish;
    confirmedAt.set(key, step.publishTime);
    if (totalsTime === undefined || msOf(step.publishTime) > msOf(totalsTime)) totalsTime = step.publishTime;
  }
  for (const [key, at] of confirmedAt) if (at !== totalsTime) delete values[key];
  return totalsTime;
}

/** Keeps `values[key]` only when it is the value bound to the meter; returns the bound value. */
function bindIdentity(
  values: TelegramValues,
  key: 'meter_id' | 'device_name',
  binding: IdentityBinding,
  systemTitle: string | undefined,
  withheld: MeterError[],
  notices: string[],
): string | undefined {
  const value = values[key];
  if (typeof value !== 'string') return binding.bound;
  const step = binding.push(value, systemTitle);
  if (step.mismatch !== undefined) withheld.push(step.mismatch);
  if (step.changed !== undefined) notices.push(step.changed);
  if (step.bound !== value) delete values[key];
  return step.bound;
}

/**
 * A push layout (OBIS codes, scalers, units, types) is the same in every telegram of a meter; line noise that
 * passes the checksum can change it (a scaler of 10^-66, one OBIS code for another). 'known': seen before;
 * 'new': not seen before and no layout confirmed yet (the first telegrams); 'damaged': unseen while the
 * meter's layout is known. An unseen layout is remembered, so a meter that really alternates is believed
 * from its second occurrence on.
 */
function checkLayout(
  layouts: Map<number, number>,
  structure: number | undefined,
): 'known' | 'new' | 'damaged' {
  if (structure === undefined) return 'known';
  const seen = layouts.get(structure) ?? 0;
  if (seen === 0 && layouts.size >= MAX_LAYOUTS) {
    for (const [other, count] of layouts) {
      if (count < 2) {
        layouts.delete(other);
        break;
      }
    }
  }
  if (layouts.size < MAX_LAYOUTS || seen > 0) layouts.set(structure, seen + 1);
  if (seen > 0) return 'known';
  for (const count of layouts.values()) if (count >= 2) return 'damaged';
  return 'new';
}

function msOf(time: string | undefined): number {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
}
