/**
 * Where the bytes come from: a serial adapter, a TCP serial bridge, a capture file or the simulator.
 * A source only moves bytes and reports its connection state; it never decodes. It recovers from
 * its own faults (reopen, reconnect with backoff) and never ends the process.
 */

export type SourceEvent =
  | { readonly kind: 'open'; readonly detail: string }
  /** Lost or failed to open; the source retries by itself after `retryInMs` (undefined: it will not). */
  | { readonly kind: 'closed'; readonly detail: string; readonly retryInMs: number | undefined }
  /** A replay reached the end of its file. */
  | { readonly kind: 'end'; readonly detail: string };

export type SourceSink = {
  bytes(chunk: Uint8Array): void;
  event(event: SourceEvent): void;
  /**
   * How many more bytes the sink needs before it can do anything with what it holds (0: any byte may
   * matter). A serial source at the line's pace may let as many gather before it reads: fewer wake-ups,
   * and nothing is delivered later for it.
   */
  awaited?(): number;
};

export interface ByteSource {
  /** For logs and the web page, e.g. `serial /dev/serial/by-id/usb-FTDI…`; never contains secrets. */
  readonly description: string;
  start(sink: SourceSink): void;
  stop(): Promise<void>;
}

export type Backoff = { readonly initialMs: number; readonly maxMs: number };
export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** 1 s, 2 s, 4 s … up to the maximum. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 16));
}
