import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import type { ObisReading, Telegram, TelegramValues } from '../../src/meter/meter-model.js';
import { type GuardResult, ReadingGuard } from '../../src/meter/reading-guard.js';
import { VALUE_KEYS } from '../../src/meter/value-keys.js';

/**
 * The reading guard (design.md, "The guard"), fed Telegram objects as the decoder makes them: totals are
 * published one telegram late once the next one confirms them, a jump or a drop is held and accepted
 * only when three telegrams agree, instantaneous values outside what a household meter measures are not
 * published, the meter number is bound to the system title, and the frame counter must rise.
 */

const TITLE = '4B464D1020000042';
const METER = '1KFM0200000042';
const DEVICE = 'KFM1200200000042';
/** 10:00:00 CET on 2026-11-24; the meter pushes every 5 s. */
const T0 = Date.parse('2026-11-24T10:00:00+01:00');
const RX0 = T0 + 700;
const ENERGY_IN_OBIS = '1-0:1.8.0.255';
const ENERGY_OUT_OBIS = '1-0:2.8.0.255';
const METER_ID_OBIS = '0-0:96.1.0.255';

/** ISO 8601 with the +01:00 offset the meter model writes, e.g. '2026-11-24T10:00:05+01:00'. */
function meterTime(ms: number): string {
  return `${new Date(ms + 3_600_000).toISOString().slice(0, 19)}+01:00`;
}

/** Wh as the meter counts them, in the kWh the values carry. */
const kWh = (wh: number): number => wh / 1000;

const INSTANT: TelegramValues = {
  power_in: 1520,
  power_out: 0,
  power: 1520,
  voltage_l1: 230.1,
  voltage_l2: 231.4,
  voltage_l3: 229.8,
  current_l1: 2.21,
  current_l2: 2.3,
  current_l3: 2.1,
  power_factor: 0.98,
};

type Spec = {
  readonly values?: TelegramValues;
  readonly frameCounter?: number;
  /** Meter time of the telegram; null: the telegram carries none. */
  readonly timeMs?: number | null;
};

/** Telegram n of the meter: frame counter 1000 + n, meter time T0 + 5 s · n, `obis` made from `values`. */
function telegram(n: number, spec: Spec = {}): Telegram {
  const values: TelegramValues = { ...(spec.values ?? {}) };
  const obis: Record<string, ObisReading> = {};
  for (const key of VALUE_KEYS) {
    const value = values[key.key];
    if (key.obis === undefined || value === undefined) continue;
    obis[key.obis] = key.unit === undefined ? { value } : { value, unit: key.unit };
  }
  const meterId = values.meter_id;
  const timeMs = spec.timeMs === undefined ? T0 + n * 5000 : spec.timeMs;
  return {
    meterId: typeof meterId === 'string' ? meterId : undefined,
    systemTitle: TITLE,
    frameCounter: spec.frameCounter ?? 1000 + n,
    invokeId: n,
    time: timeMs === null ? undefined : meterTime(timeMs),
    values,
    obis,
  };
}

type Accepted = Extract<GuardResult, { ok: true }>;

function accepted(result: GuardResult, what = 'telegram'): Accepted {
  if (!result.ok) assert.fail(`${what} rejected: ${result.error.code} ${result.error.message}`);
  return result;
}

/** Feeds telegrams in order, each received 5 s after the one before unless `receivedAt` says otherwise. */
function run(
  guard: ReadingGuard,
  telegrams: readonly Telegram[],
  receivedAt = (n: number) => RX0 + n * 5000,
): Accepted[] {
  return telegrams.map((t, n) => accepted(guard.check(t, receivedAt(n)), `telegram ${n}`));
}

const codes = (result: Accepted): ErrorCode[] => result.withheld.map((e) => e.code);
const allCodes = (results: readonly Accepted[]): string[] =>
  results.flatMap((r, n) => r.withheld.map((e) => `${n}:${e.code}`));
const allNotices = (results: readonly Accepted[]): string[] =>
  results.flatMap((r, n) => r.notices.map((notice) => `${n}:${notice}`));

/** A meter drawing 1.52 kW: energy_in rises by 2 Wh per telegram, energy_out stands still. */
function steadyValues(n: number, energyInWh = 3_744_082 + 2 * n): TelegramValues {
  return { energy_in: kWh(energyInWh), energy_out: kWh(3_929_988), ...INSTANT };
}

describe('reading guard: energy totals', () => {
  it('publishes each total one telegram late, at the time of the telegram that carried it; the first at the 3rd', () => {
    const sent = Array.from({ length: 10 }, (_, n) => telegram(n, { values: steadyValues(n) }));
    const results = run(new ReadingGuard(), sent);
    for (const n of [0, 1]) {
      const r = results[n] as Accepted;
      assert.equal(r.telegram.values.energy_in, undefined, `telegram ${n}: energy_in`);
      assert.equal(r.telegram.values.energy_out, undefined, `telegram ${n}: energy_out`);
      assert.equal(r.telegram.totalsTime, undefined, `telegram ${n}: totalsTime`);
      assert.equal(r.telegram.obis[ENERGY_IN_OBIS], undefined, `telegram ${n}: obis of energy_in`);
      // The instantaneous values are not held back.
      assert.equal(r.telegram.values.voltage_l1, 230.1);
      assert.equal(r.telegram.values.power, 1520);
    }
    for (let n = 2; n < sent.length; n++) {
      const r = results[n] as Accepted;
      const before = sent[n - 1] as Telegram;
      assert.equal(r.telegram.values.energy_in, before.values.energy_in, `telegram ${n}: energy_in`);
      assert.equal(r.telegram.values.energy_out, before.values.energy_out, `telegram ${n}: energy_out`);
      assert.equal(r.telegram.totalsTime, before.time, `telegram ${n}: totalsTime`);
      assert.notEqual(r.telegram.totalsTime, r.telegram.time);
      assert.equal(r.telegram.time, (sent[n] as Telegram).time, `telegram ${n}: its own time stays`);
      assert.deepEqual(r.withheld, [], `telegram ${n}: nothing withheld`);
      assert.deepEqual(r.notices, [], `telegram ${n}: no notices`);
    }
  });

  it('keeps the obis entry of a total only when the value published is the one the telegram carried', () => {
    const sent = Array.from({ length: 5 }, (_, n) => telegram(n, { values: steadyValues(n) }));
    const results = run(new ReadingGuard(), sent);
    for (let n = 2; n < sent.length; n++) {
      const obis = (results[n] as Accepted).telegram.obis;
      // energy_in rises: the published value is the previous telegram's, not this one's register.
      assert.equal(obis[ENERGY_IN_OBIS], undefined, `telegram ${n}: obis of energy_in`);
      // energy_out stands still: the published value is also this telegram's.
      assert.deepEqual(obis[ENERGY_OUT_OBIS], { value: kWh(3_929_988), unit: 'kWh' });
      assert.deepEqual(obis['1-0:32.7.0.255'], { value: 230.1, unit: 'V' });
    }
  });

  it('a 2^31 Wh jump in one telegram is never published, reported once, and the next intact ones publish again', () => {
    const damaged = 5;
    const trueWh = (n: number) => 3_744_082 + 2 * n;
    const sent = Array.from({ length: 10 }, (_, n) =>
      telegram(n, { values: steadyValues(n, trueWh(n) + (n === damaged ? 2 ** 31 : 0)) }),
    );
    const results = run(new ReadingGuard(), sent);

    assert.deepEqual(allCodes(results), [`${damaged}:IMPLAUSIBLE`]);
    const report = (results[damaged] as Accepted).withheld[0];
    assert.match(report?.message ?? '', /energy_in/);
    assert.deepEqual(allNotices(results), []);

    const publishedIn = results.map((r) => r.telegram.values.energy_in);
    assert.equal(publishedIn[damaged], undefined);
    assert.equal((results[damaged] as Accepted).telegram.obis[ENERGY_IN_OBIS], undefined);
    // Within two telegrams after the damaged one, the total is published again, and then on every telegram.
    for (let n = damaged + 2; n < sent.length; n++) {
      assert.equal(publishedIn[n], kWh(trueWh(n - 1)), `telegram ${n}`);
    }
    // Nothing published that the meter did not send, and never the damaged value.
    const truth = new Set(sent.map((_, n) => kWh(trueWh(n))));
    for (const value of publishedIn)
      if (value !== undefined) assert.ok(truth.has(value as number), `${value}`);
    // The other total, undamaged, is not held back by it.
    for (let n = 2; n < sent.length; n++) {
      assert.equal(results[n]?.telegram.values.energy_out, kWh(3_929_988), `telegram ${n}: energy_out`);
    }
  });

  it('a damaged total in the very first telegram does not set the level', () => {
    const trueWh = (n: number) => 3_744_082 + 2 * n;
    const sent = Array.from({ length: 6 }, (_, n) =>
      telegram(n, { values: steadyValues(n, trueWh(n) + (n === 0 ? 2 ** 31 : 0)) }),
    );
    const results = run(new ReadingGuard(), sent);
    const publishedIn = results.map((r) => r.telegram.values.energy_in);
    assert.deepEqual(publishedIn, [
      undefined,
      undefined,
      undefined,
      kWh(trueWh(2)),
      kWh(trueWh(3)),
      kWh(trueWh(4)),
    ]);
  });

  it('a single low total (a damaged high byte) is reported once as ENERGY_DECREASED and never published', () => {
    const trueWh = (n: number) => 3_744_082 + 2 * n;
    const sent = Array.from({ length: 9 }, (_, n) =>
      telegram(n, { values: steadyValues(n, trueWh(n) - (n === 4 ? 2 ** 16 : 0)) }),
    );
    const results = run(new ReadingGuard(), sent);
    assert.deepEqual(allCodes(results), ['4:ENERGY_DECREASED']);
    assert.deepEqual(allNotices(results), []);
    const publishedIn = results.map((r) => r.telegram.values.energy_in);
    assert.deepEqual(publishedIn.slice(4), [
      undefined,
      undefined,
      kWh(trueWh(5)),
      kWh(trueWh(6)),
      kWh(trueWh(7)),
    ]);
  });

  it('does not latch: an exchanged meter (5,000,000 Wh, then 1,000 Wh and rising) is published after 3 telegrams agree', () => {
    const exchanged = 6;
    const wh = (n: number) => (n < exchanged ? 5_000_000 + 3 * n : 1_000 + 3 * (n - exchanged));
    const sent = Array.from({ length: 12 }, (_, n) =>
      telegram(n, { values: { energy_in: kWh(wh(n)), ...INSTANT } }),
    );
    const results = run(new ReadingGuard(), sent);

    assert.deepEqual(allCodes(results), [`${exchanged}:ENERGY_DECREASED`]);
    assert.match((results[exchanged] as Accepted).withheld[0]?.message ?? '', /energy_in 1 kWh is lower/);
    const publishedIn = results.map((r) => r.telegram.values.energy_in);
    // Held while two telegrams confirm the new level, then the middle one of the three is published.
    assert.equal(publishedIn[exchanged - 1], kWh(wh(exchanged - 2)));
    assert.equal(publishedIn[exchanged], undefined);
    assert.equal(publishedIn[exchanged + 1], undefined);
    for (let n = exchanged + 2; n < sent.length; n++) {
      assert.equal(publishedIn[n], kWh(wh(n - 1)), `telegram ${n}`);
    }
    const notices = allNotices(results);
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(
      notices[0] as string,
      new RegExp(`^${exchanged + 2}:energy_in is 1\\.003 kWh after 5000\\.0\\d+ kWh`),
    );
    assert.match(notices[0] as string, /3 telegrams in a row agree: the meter's count really changed/);
  });

  it('a real jump up (+10 MWh, then continuing) is held, then accepted after 3 agreeing telegrams', () => {
    const jump = 5;
    const wh = (n: number) => 2_000_000 + 4 * n + (n >= jump ? 10_000_000 : 0);
    const sent = Array.from({ length: 10 }, (_, n) =>
      telegram(n, { values: { energy_in: kWh(wh(n)), ...INSTANT } }),
    );
    const results = run(new ReadingGuard(), sent);
    assert.deepEqual(allCodes(results), [`${jump}:IMPLAUSIBLE`]);
    assert.match(
      (results[jump] as Accepted).withheld[0]?.message ?? '',
      /energy_in 12000\.02 kWh is more than/,
    );
    const publishedIn = results.map((r) => r.telegram.values.energy_in);
    assert.deepEqual(publishedIn.slice(jump), [
      undefined,
      undefined,
      kWh(wh(jump + 1)),
      kWh(wh(jump + 2)),
      kWh(wh(jump + 3)),
    ]);
    const notices = allNotices(results);
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0] as string, new RegExp(`^${jump + 2}:energy_in is 12000\\.024 kWh`));
  });

  // Fails (bug in src/meter/reading-guard.ts): totalsTime is the publishTime of the first total published
  // (`totalsTime ??= step.publishTime`), but the totals need not come from the same telegram. Telegram 3
  // below lacks energy_in (line noise on the OBIS label of 1.8.0 makes the decoder report that register under
  // another code); at telegram 4, energy_in is telegram 2's value and energy_out telegram 3's, and both go
  // out with telegram 2's time: the InfluxDB sink writes energy_out = 3929.994 kWh at 10:00:10, when the
  // meter said 3929.991 kWh then (it said 3929.994 at 10:00:15).
  it('every total published goes out with the time of the telegram that carried it', () => {
    const sent = Array.from({ length: 7 }, (_, n) => {
      const values: TelegramValues = {
        energy_in: kWh(3_744_082 + 2 * n),
        energy_out: kWh(3_929_985 + 3 * n),
      };
      if (n === 3) delete values.energy_in;
      return telegram(n, { values: { ...values, ...INSTANT } });
    });
    const results = run(new ReadingGuard(), sent);
    for (const [n, r] of results.entries()) {
      const carrier = sent.find((t) => t.time === r.telegram.totalsTime);
      for (const key of ['energy_in', 'energy_out'] as const) {
        const published = r.telegram.values[key];
        if (published === undefined) continue;
        assert.equal(
          published,
          carrier?.values[key],
          `telegram ${n}: ${key} ${published} published at ${r.telegram.totalsTime}, ` +
            `when the meter sent ${carrier?.values[key]}`,
        );
      }
    }
  });
});

describe('reading guard: instantaneous values', () => {
  const cases: readonly { readonly key: keyof TelegramValues; readonly value: number }[] = [
    { key: 'voltage_l1', value: 3507.6 },
    { key: 'current_l2', value: 400 },
    { key: 'current_l3', value: -400 },
    { key: 'power_in', value: 500_000 },
    { key: 'power_out', value: 500_000 },
    { key: 'reactive_power_in', value: 500_000 },
    { key: 'power_factor', value: 1.5 },
    { key: 'voltage_l2', value: Number.NaN },
    { key: 'current_l1', value: Number.POSITIVE_INFINITY },
    { key: 'power_in', value: Number.NEGATIVE_INFINITY },
    { key: 'power_factor', value: Number.NaN },
  ];
  for (const { key, value } of cases) {
    it(`${key} ${value}: IMPLAUSIBLE and not published, the telegram's other values still are`, () => {
      const guard = new ReadingGuard();
      const good = { ...INSTANT, reactive_power_in: 120 };
      const results = run(guard, [
        telegram(0, { values: good }),
        telegram(1, { values: { ...good, [key]: value } }),
        telegram(2, { values: good }),
      ]);
      const bad = results[1] as Accepted;
      assert.deepEqual(codes(bad), ['IMPLAUSIBLE']);
      assert.match(bad.withheld[0]?.message ?? '', new RegExp(`^${key} `));
      assert.equal(key in bad.telegram.values, false, `${key} published`);
      const obis = VALUE_KEYS.find((spec) => spec.key === key)?.obis as string;
      assert.equal(bad.telegram.obis[obis], undefined, `obis ${obis} kept`);
      for (const [other, expected] of Object.entries(good)) {
        if (other === key || other === 'power') continue;
        assert.equal(bad.telegram.values[other as keyof TelegramValues], expected, other);
      }
      if (key === 'power_in' || key === 'power_out') {
        assert.equal('power' in bad.telegram.values, false, 'power derived from a withheld value');
      } else {
        assert.equal(bad.telegram.values.power, 1520);
      }
      // Nothing is held: the next telegram publishes everything.
      assert.deepEqual(codes(results[2] as Accepted), []);
      assert.equal(results[2]?.telegram.values[key], good[key]);
    });
  }

  it('publishes what a household meter really measures at its limits', () => {
    // Full load: 3 × 253 V × 100 A, the current of one phase counted negative (as some meters sign it).
    const fullLoad: TelegramValues = {
      power_in: 75_900,
      power_out: 0,
      power: 75_900,
      reactive_power_in: 30_000,
      voltage_l1: 253,
      voltage_l2: 253,
      voltage_l3: 253,
      current_l1: 100,
      current_l2: -100,
      current_l3: 100,
      power_factor: -1,
    };
    // A broken neutral: one phase at 0 V, another at 398 V; feeding in.
    const brokenNeutral: TelegramValues = {
      power_in: 0,
      power_out: 20_000,
      power: -20_000,
      voltage_l1: 230,
      voltage_l2: 0,
      voltage_l3: 398,
      current_l1: 40,
      current_l2: 0,
      current_l3: 30,
      power_factor: 1,
    };
    const results = run(new ReadingGuard(), [
      telegram(0, { values: fullLoad }),
      telegram(1, { values: brokenNeutral }),
    ]);
    assert.deepEqual(results[0]?.withheld, []);
    assert.deepEqual(results[0]?.telegram.values, fullLoad);
    assert.deepEqual(results[1]?.withheld, []);
    assert.deepEqual(results[1]?.telegram.values, brokenNeutral);
  });

  it('a total that is not a number is IMPLAUSIBLE and does not disturb the totals after it', () => {
    const sent = Array.from({ length: 6 }, (_, n) =>
      telegram(n, { values: { ...steadyValues(n), ...(n === 3 ? { energy_out: Number.NaN } : {}) } }),
    );
    const results = run(new ReadingGuard(), sent);
    assert.deepEqual(allCodes(results), ['3:IMPLAUSIBLE']);
    assert.equal(results[3]?.telegram.values.energy_out, undefined);
    assert.equal(results[3]?.telegram.values.energy_in, kWh(3_744_082 + 2 * 2));
    // Telegram 4 confirms telegram 3's energy_in, but energy_out only from telegram 2: it waits one
    // telegram rather than go out under telegram 3's time (one totalsTime per telegram).
    assert.equal(results[4]?.telegram.values.energy_out, undefined);
    assert.equal(results[4]?.telegram.values.energy_in, kWh(3_744_082 + 2 * 3));
    assert.equal(results[5]?.telegram.values.energy_out, kWh(3_929_988));
  });
});

describe('reading guard: identity', () => {
  const withId = (n: number, meterId: string, deviceName = DEVICE): Telegram =>
    telegram(n, { values: { ...INSTANT, meter_id: meterId, device_name: deviceName } });

  it('binds the meter number after 2 agreeing telegrams; a damaged one is not published; a real change after 3', () => {
    const damaged = '1KFM0200000C42';
    const changed = '1KFM0200000099';
    const sent = [
      withId(0, METER),
      withId(1, METER),
      withId(2, damaged),
      withId(3, METER),
      withId(4, changed),
      withId(5, changed),
      withId(6, changed),
      withId(7, changed),
    ];
    const results = run(new ReadingGuard(), sent);
    const [first, second, hit, back, c1, c2, c3, c4] = results as [
      Accepted,
      Accepted,
      Accepted,
      Accepted,
      Accepted,
      Accepted,
      Accepted,
      Accepted,
    ];

    assert.equal(first.identityConfirmed, false);
    assert.equal(first.telegram.meterId, undefined);
    assert.equal(first.telegram.values.meter_id, undefined);
    assert.equal(first.telegram.obis[METER_ID_OBIS], undefined);
    assert.equal(first.deviceName, undefined);
    assert.deepEqual(first.withheld, []);

    assert.equal(second.identityConfirmed, true);
    assert.equal(second.telegram.meterId, METER);
    assert.equal(second.telegram.values.meter_id, METER);
    assert.deepEqual(second.telegram.obis[METER_ID_OBIS], { value: METER });
    assert.equal(second.deviceName, DEVICE);
    assert.equal(second.telegram.values.device_name, DEVICE);

    assert.equal(hit.identityConfirmed, true);
    assert.equal(hit.telegram.meterId, METER);
    assert.equal(hit.telegram.values.meter_id, undefined);
    assert.equal(hit.telegram.obis[METER_ID_OBIS], undefined);
    assert.deepEqual(codes(hit), ['IMPLAUSIBLE']);
    assert.match(hit.withheld[0]?.message ?? '', new RegExp(`"${damaged}" differs from the "${METER}"`));
    assert.equal(hit.telegram.values.voltage_l1, 230.1, 'the other values are still published');

    assert.equal(back.telegram.values.meter_id, METER);
    assert.deepEqual(back.withheld, []);

    // A really changed number: reported once, published when the third telegram in a row agrees.
    assert.deepEqual(codes(c1), ['IMPLAUSIBLE']);
    assert.deepEqual(codes(c2), []);
    for (const r of [c1, c2]) {
      assert.equal(r.telegram.meterId, METER);
      assert.equal(r.telegram.values.meter_id, undefined);
      assert.equal(r.identityConfirmed, true);
    }
    assert.deepEqual(codes(c3), []);
    assert.equal(c3.telegram.meterId, changed);
    assert.equal(c3.telegram.values.meter_id, changed);
    assert.equal(c3.notices.length, 1);
    assert.match(c3.notices[0] as string, new RegExp(`"${changed}" \\(was "${METER}"\\)`));
    assert.equal(c4.telegram.values.meter_id, changed);
    assert.deepEqual(c4.notices, []);
    assert.deepEqual(allNotices(results).length, 1);
  });

  it('a damaged device name is not published and leaves the bound one', () => {
    const results = run(new ReadingGuard(), [
      withId(0, METER),
      withId(1, METER),
      withId(2, METER, 'KFM12002000\u00b10042'),
    ]);
    const hit = results[2] as Accepted;
    assert.deepEqual(codes(hit), ['IMPLAUSIBLE']);
    assert.equal(hit.telegram.values.device_name, undefined);
    assert.equal(hit.deviceName, DEVICE);
    assert.equal(hit.identityConfirmed, true);
    assert.equal(hit.telegram.values.meter_id, METER);
  });

  it('a meter that sends no device name is confirmed by its meter number alone', () => {
    const evn = (n: number) => telegram(n, { values: { ...INSTANT, meter_id: '181220000042' } });
    const results = run(new ReadingGuard(), [evn(0), evn(1)]);
    assert.deepEqual(
      results.map((r) => [r.identityConfirmed, r.telegram.meterId, r.deviceName]),
      [
        [false, undefined, undefined],
        [true, '181220000042', undefined],
      ],
    );
  });
});

describe('reading guard: frame counter', () => {
  it('an equal or lower frame counter is COUNTER_REPLAY, and a replayed old telegram does not touch the totals', () => {
    const guard = new ReadingGuard();
    const check = (n: number, frameCounter: number, wh = 3_744_082 + 2 * n) =>
      guard.check(telegram(n, { frameCounter, values: steadyValues(n, wh) }), RX0 + n * 5000);
    accepted(check(0, 1000));
    accepted(check(1, 1001));
    const equal = check(2, 1001);
    assert.equal(equal.ok, false);
    assert.equal(equal.ok ? undefined : equal.error.code, 'COUNTER_REPLAY');
    assert.match(
      equal.ok ? '' : equal.error.message,
      /frame counter 1001 .* does not increase \(last 1001\)/,
    );
    // An old telegram, with its old (lower) total, replayed.
    const lower = check(3, 990, 3_700_000);
    assert.equal(lower.ok ? undefined : lower.error.code, 'COUNTER_REPLAY');
    const after = [4, 5, 6].map((n) => accepted(check(n, 1000 + n)));
    assert.deepEqual(after.flatMap(codes), []);
    assert.equal(after[2]?.telegram.values.energy_in, kWh(3_744_082 + 2 * 5));
  });

  it('old telegrams replayed between new ones are never taken for a restart', () => {
    const guard = new ReadingGuard();
    const counters = [1000, 1001, 990, 1002, 991, 1003, 992, 1004, 993];
    const outcome = counters.map((fc, n) => {
      const r = guard.check(telegram(n, { frameCounter: fc, values: INSTANT }), RX0 + n * 5000);
      return r.ok ? 'ok' : r.error.code;
    });
    assert.deepEqual(outcome, [
      'ok',
      'ok',
      'COUNTER_REPLAY',
      'ok',
      'COUNTER_REPLAY',
      'ok',
      'COUNTER_REPLAY',
      'ok',
      'COUNTER_REPLAY',
    ]);
  });

  it('a restarted frame counter is accepted once 3 telegrams count up from the new start, with a notice', () => {
    const guard = new ReadingGuard();
    const counters = [50_000, 50_001, 50_002, 7, 8, 9, 10, 11];
    const results = counters.map((fc, n) =>
      guard.check(telegram(n, { frameCounter: fc, values: INSTANT }), RX0 + n * 5000),
    );
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.error.code)),
      ['ok', 'ok', 'ok', 'COUNTER_REPLAY', 'COUNTER_REPLAY', 'ok', 'ok', 'ok'],
    );
    const notices = results.flatMap((r, n) => (r.ok ? r.notices.map((x) => `${n}:${x}`) : []));
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0] as string, /^5:frame counter of 4B464D1020000042 restarted at 9 \(was 50002\)/);
  });

  it('low counters that do not count up do not make a restart', () => {
    const guard = new ReadingGuard();
    const counters = [50_000, 7, 7, 8, 6, 7, 8];
    const outcome = counters.map((fc, n) => {
      const r = guard.check(telegram(n, { frameCounter: fc, values: INSTANT }), RX0 + n * 5000);
      return r.ok ? 'ok' : r.error.code;
    });
    // 7, 7 (not rising), 8: two in a row; 6 starts again; 6, 7, 8: three in a row.
    assert.deepEqual(outcome, [
      'ok',
      'COUNTER_REPLAY',
      'COUNTER_REPLAY',
      'COUNTER_REPLAY',
      'COUNTER_REPLAY',
      'COUNTER_REPLAY',
      'ok',
    ]);
  });
});

describe('reading guard: push layout', () => {
  const withLayout = (n: number, structure: number): Telegram => ({
    ...telegram(n, { values: { ...steadyValues(n), meter_id: METER } }),
    structure,
  });

  it("a telegram whose layout differs from the meter's is dropped as damaged; a second layout seen twice is the meter's", () => {
    const guard = new ReadingGuard();
    const at = (n: number): number => RX0 + n * 5000;
    const first = guard.check(withLayout(0, 111), at(0));
    assert.equal(first.ok && first.identityConfirmed, false, 'the first telegram waits');
    const second = guard.check(withLayout(1, 111), at(1));
    assert.equal(second.ok && second.identityConfirmed, true);
    const damaged = guard.check(withLayout(2, 999), at(2));
    assert.equal(damaged.ok, false);
    assert.equal(!damaged.ok && damaged.error.code, 'AXDR_INVALID');
    assert.match(!damaged.ok ? damaged.error.message : '', /damaged on the way/);
    const again = guard.check(withLayout(3, 111), at(3));
    assert.equal(again.ok && again.identityConfirmed, true);
    // A meter that really alternates (e.g. with and without its device name): the second time it is believed.
    assert.equal(guard.check(withLayout(4, 222), at(4)).ok, false);
    const alternate = guard.check(withLayout(5, 222), at(5));
    assert.equal(alternate.ok && alternate.identityConfirmed, true);
  });

  it("many damaged layouts do not push the meter's own out of memory", () => {
    const guard = new ReadingGuard();
    guard.check(withLayout(0, 1), RX0);
    guard.check(withLayout(1, 1), RX0 + 5000);
    for (let n = 2; n < 40; n++) assert.equal(guard.check(withLayout(n, 1000 + n), RX0 + n * 5000).ok, false);
    const still = guard.check(withLayout(40, 1), RX0 + 40 * 5000);
    assert.equal(still.ok && still.identityConfirmed, true);
  });
});

describe('reading guard: time', () => {
  /** 30 kW: 10 kWh in 20 minutes between telegrams. */
  const slowTelegrams = (count: number, timeMs: (n: number) => number | null) =>
    Array.from({ length: count }, (_, n) =>
      telegram(n, { timeMs: timeMs(n), values: { energy_in: kWh(1_000_000 + 10_000 * n), ...INSTANT } }),
    );

  it('totals that never continue each other at start are reported, not silently held', () => {
    const sent = slowTelegrams(4, () => null);
    // Received 5 s apart, 10 kWh each time would be 7.2 MW: held, and said once per telegram that breaks.
    const fast = run(new ReadingGuard(), sent, (n) => RX0 + n * 5000);
    assert.deepEqual(
      fast.map((r) => r.telegram.values.energy_in),
      [undefined, undefined, undefined, undefined],
    );
    assert.deepEqual(allCodes(fast), ['1:IMPLAUSIBLE', '2:IMPLAUSIBLE', '3:IMPLAUSIBLE']);
  });

  it('with no meter time, the rate is measured on the receive time', () => {
    const sent = slowTelegrams(6, () => null);
    // Received 20 minutes apart: 10 kWh each time is 30 kW, a plausible rate.
    const spaced = run(new ReadingGuard(), sent, (n) => RX0 + n * 1_200_000);
    assert.deepEqual(allCodes(spaced), []);
    assert.deepEqual(
      spaced.map((r) => r.telegram.values.energy_in),
      [undefined, undefined, 1010, 1020, 1030, 1040],
    );
    for (const r of spaced) assert.equal(r.telegram.totalsTime, undefined);
    // Received 5 s apart, the same rise is 7.2 MW: no meter counts that, so no value confirms another.
    const fast = run(new ReadingGuard(), sent, (n) => RX0 + n * 5000);
    assert.deepEqual(
      fast.map((r) => r.telegram.values.energy_in),
      sent.map(() => undefined),
    );
  });

  it('a recording replayed at high speed (meter times 5 s apart, received 1 ms apart) publishes normally', () => {
    const count = 40;
    const gapAt = 20;
    // At telegram 20 the recording has a 20-minute gap (the bridge was off): 10 kWh more, 30 kW.
    const timeMs = (n: number) => T0 + n * 5000 + (n >= gapAt ? 1_200_000 : 0);
    const wh = (n: number) => 1_000_000 + 95 * n + (n >= gapAt ? 10_000 : 0);
    const sent = Array.from({ length: count }, (_, n) =>
      telegram(n, { timeMs: timeMs(n), values: { energy_in: kWh(wh(n)), ...INSTANT } }),
    );
    const results = run(new ReadingGuard(), sent, (n) => RX0 + n);
    assert.deepEqual(allCodes(results), []);
    assert.deepEqual(allNotices(results), []);
    for (let n = 2; n < count; n++) {
      assert.equal(results[n]?.telegram.values.energy_in, kWh(wh(n - 1)), `telegram ${n}`);
      assert.equal(results[n]?.telegram.totalsTime, meterTime(timeMs(n - 1)), `telegram ${n}: totalsTime`);
    }
  });
});
