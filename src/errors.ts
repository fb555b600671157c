/**
 * The project's error model: one error class, one stable code per kind of rejection.
 *
 * Codes are a public contract (README, `decode`): they appear in `decode`'s stderr JSON, in MQTT
 * diagnostics and on the web page, so a user can search for them and a bug report can quote them.
 * Every decoding stage throws only MeterError; anything else escaping a decoder is a bug (see the
 * property tests).
 */

export const ERROR_CODES = [
  'TRUNCATED',
  'CHECKSUM',
  'FRAME_INVALID',
  'SEGMENT_MISSING',
  'UNSUPPORTED',
  'NO_KEY',
  'WRONG_KEY',
  'AUTH_FAILED',
  'AXDR_INVALID',
  'COUNTER_REPLAY',
  'ENERGY_DECREASED',
  'IMPLAUSIBLE',
  'CONFIG_INVALID',
  /** Not bad input: a bug in the decoder, caught so that it is reported with the bytes that caused it. */
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type MeterErrorOptions = {
  /** The bytes the failing stage was looking at: a frame, an APDU or a plaintext. Never key material. */
  raw?: Uint8Array;
  cause?: unknown;
};

export class MeterError extends Error {
  override readonly name = 'MeterError';
  readonly code: ErrorCode;
  readonly raw: Uint8Array | undefined;

  constructor(code: ErrorCode, message: string, options: MeterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.raw = options.raw;
  }

  /** The same error with the bytes of an outer layer attached, when the inner stage had none. */
  withRaw(raw: Uint8Array): MeterError {
    if (this.raw !== undefined) return this;
    return new MeterError(this.code, this.message, { raw, cause: this.cause });
  }
}

/**
 * The advice of every WRONG_KEY, whichever protocol found it (DLMS, OMS): a user reads the same words
 * whatever meter they have.
 */
export const WRONG_KEY_ADVICE =
  'Use the key your grid operator issued for exactly this meter (32 hex digits, often called ' +
  "'Schlüssel' or 'GUEK'); check for swapped or mistyped characters, and ask the operator for the key again " +
  'if the meter was replaced.';

export function isMeterError(value: unknown): value is MeterError {
  return value instanceof MeterError;
}
