import { MeterError } from '../errors.js';
import { MAX_ENERGY_RATE_PER_S, RATE_SLACK_S } from './plausibility.js';
import type { ValueKey } from './value-keys.js';

/**
 * One energy total of one meter, from telegrams to the values that may be published.
 *
 * Line noise can pass the M-Bus checksum and lands, through AES-CTR, on the same bit of the plaintext: a
 * total can arrive too high or too low by any power of two. Home Assistant keeps every total in its
 * statistics for ever, so a total is published only once the next telegram confirms it: the next value
 * is not lower, and not higher than the meter can count in the time between. A damaged value is followed
 * by a true one that does not continue it, so it is never published; whatever is published lies between
 * two values the meter really sent. The cost is one telegram of delay on the totals.
 *
 * A value that does not continue the last published one (a jump no meter can count, or a drop) is held
 * until two more telegrams continue it: then the meter really was exchanged or reset, and that is
 * published rather than blocking the total for ever. The first value after start has nothing to continue
 * and waits the same way, so that one damaged telegram at start cannot set the level: of three values in
 * a row the middle one is published, which the first and the third enclose.
 */

export type Sample = {
  readonly value: number;
  /** The telegram's time as the meter gave it (ISO 8601), to publish the value at its own time. */
  readonly time: string | undefined;
  /** Seconds of the meter's own clock, when the telegram carries one. */
  readonly meterS: number | undefined;
  /** Seconds of the bridge's clock when the telegram arrived. */
  readonly receivedS: number;
};

export type TotalStep = {
  /** The value to publish with this telegram, confirmed by it; undefined: publish nothing for this key. */
  readonly publish: number | undefined;
  /** The meter's time of the telegram that carried `publish` (the one before this, which this confirms). */
  readonly publishTime: string | undefined;
  /** Reported when a value starts to be held because it does not continue the published one. */
  readonly held: MeterError | undefined;
  /** Said once when a held jump or drop was confirmed and is published. */
  readonly accepted: string | undefined;
};

/** Telegrams in a row that must agree before a jump or a drop is believed. */
export const ANOMALY_CONFIRMATIONS = 3;

function elapsedS(from: Sample, to: Sample): number {
  const meter = from.meterS !== undefined && to.meterS !== undefined ? to.meterS - from.meterS : undefined;
  return Math.max(0, meter ?? to.receivedS - from.receivedS);
}

/** Whether `next` can follow `from` on a real meter: not lower, and no faster than it can count. */
export function continues(from: Sample, next: Sample): boolean {
  const rise = next.value - from.value;
  return rise >= 0 && rise <= MAX_ENERGY_RATE_PER_S * (elapsedS(from, next) + RATE_SLACK_S);
}

export class TotalTrack {
  private published: Sample | undefined;
  /** Values in a row, each continuing the one before it, none published yet; at most ANOMALY_CONFIRMATIONS. */
  private run: Sample[] = [];

  constructor(
    private readonly key: ValueKey,
    private readonly unit: string,
  ) {}

  push(sample: Sample): TotalStep {
    const last = this.run.at(-1);
    if (last !== undefined && continues(last, sample)) {
      this.run.push(sample);
    } else {
      this.run = [sample];
    }
    const published = this.published;
    let held: MeterError | undefined;
    if (this.run.length === 1) {
      // Against the published value; before there is one, against the value before (so that a meter
      // whose totals never agree at start is not silent).
      const before = published ?? last;
      if (before !== undefined && !continues(before, sample)) held = this.describeHeld(before, sample);
    }
    const candidate = this.run.at(-2);
    if (candidate === undefined)
      return { publish: undefined, publishTime: undefined, held, accepted: undefined };
    // The first value has nothing to continue: like a jump, it needs two telegrams after it.
    const normal = published !== undefined && continues(published, candidate);
    if (!normal && this.run.length < ANOMALY_CONFIRMATIONS) {
      return { publish: undefined, publishTime: undefined, held, accepted: undefined };
    }
    this.published = candidate;
    this.run = this.run.slice(-1);
    const accepted =
      normal || published === undefined
        ? undefined
        : `${this.key} is ${candidate.value} ${this.unit} after ${published.value} ${this.unit}, ` +
          `and ${ANOMALY_CONFIRMATIONS} telegrams in a row agree: the meter's count really changed ` +
          '(a replaced meter or a reset register), so it is published again';
    return { publish: candidate.value, publishTime: candidate.time, held, accepted };
  }

  private describeHeld(before: Sample, sample: Sample): MeterError {
    const what = `${this.key} ${sample.value} ${this.unit}`;
    const was = this.published === undefined ? 'sent just before' : 'published before';
    if (sample.value < before.value) {
      return new MeterError(
        'ENERGY_DECREASED',
        `${what} is lower than the ${before.value} ${this.unit} ${was}: held until the next telegrams confirm it`,
      );
    }
    const seconds = Math.round(elapsedS(before, sample));
    return new MeterError(
      'IMPLAUSIBLE',
      `${what} is more than a meter can count in ${seconds} s since the ${before.value} ${this.unit} ${was}: ` +
        'held until the next telegrams confirm it (line noise can pass the M-Bus checksum)',
    );
  }
}
