import type { MeterError } from '../errors.js';

/**
 * What a streaming framer (M-Bus, HDLC) hands on for the bytes pushed into it: a checked frame, bytes that
 * belong to no frame, or the one report of a lost frame.
 */
export type FramerEventOf<F> =
  | { readonly kind: 'frame'; readonly frame: F }
  /** Bytes that belong to no frame: the tail of a frame the stream started in, line noise. */
  | { readonly kind: 'discarded'; readonly bytes: Uint8Array }
  | { readonly kind: 'error'; readonly error: MeterError };
