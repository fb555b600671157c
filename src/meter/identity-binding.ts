import { MeterError } from '../errors.js';

/**
 * A meter's number or device name, bound to its system title. Home Assistant makes a device of every
 * meter number it is told about, so a number damaged on the line must never be published: the first one
 * is believed once a second telegram agrees, and a different one later only after three
 * telegrams agree (a meter that really changed its number; in practice never).
 */

const FIRST_CONFIRMATIONS = 2;
const CHANGE_CONFIRMATIONS = 3;

export type IdentityStep = {
  /** The value bound after this telegram (possibly still undefined); publish the telegram's only if equal. */
  readonly bound: string | undefined;
  readonly mismatch: MeterError | undefined;
  readonly changed: string | undefined;
};

export class IdentityBinding {
  private boundValue: string | undefined;
  private candidate: string | undefined;
  private agreeing = 0;
  /** Whether this meter sends this value at all: until then nothing waits for it. */
  seen = false;

  constructor(private readonly what: string) {}

  get bound(): string | undefined {
    return this.boundValue;
  }

  push(value: string, systemTitle: string | undefined): IdentityStep {
    this.seen = true;
    const bound = this.boundValue;
    if (value === bound) {
      this.candidate = undefined;
      this.agreeing = 0;
      return { bound, mismatch: undefined, changed: undefined };
    }
    if (value === this.candidate) {
      this.agreeing++;
    } else {
      this.candidate = value;
      this.agreeing = 1;
    }
    const of = systemTitle === undefined ? '' : ` (system title ${systemTitle})`;
    if (this.agreeing >= (bound === undefined ? FIRST_CONFIRMATIONS : CHANGE_CONFIRMATIONS)) {
      this.boundValue = value;
      this.candidate = undefined;
      this.agreeing = 0;
      const changed =
        bound === undefined
          ? undefined
          : `the ${this.what} of this meter${of} is now "${value}" (was "${bound}"); ${CHANGE_CONFIRMATIONS} telegrams in a row agree`;
      return { bound: value, mismatch: undefined, changed };
    }
    const mismatch =
      bound !== undefined && this.agreeing === 1
        ? new MeterError(
            'IMPLAUSIBLE',
            `${this.what} "${value}" differs from the "${bound}" this meter${of} sends: not published unless the next telegrams confirm it`,
          )
        : undefined;
    return { bound, mismatch, changed: undefined };
  }
}
