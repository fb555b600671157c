import { readSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { ReadPacing } from './read-pacing.js';

/**
 * Reading a serial port on the event loop. serialport reads each chunk through libuv's thread pool and,
 * at a meter's pace of a few bytes per wake-up, then once more in vain (EAGAIN) before it waits: two
 * thread hand-offs per few bytes. Its binding already watches the descriptor with epoll (its poller), so
 * here the loop waits on that and reads what is there with one non-blocking read, with no thread involved.
 * When the consumer awaits many more bytes, ReadPacing lets them gather first.
 * Unix only, with serialport's own binding; elsewhere the caller keeps serialport's stream.
 */

type ReadableListener = (error: Error | null) => void;
type Poller = {
  on(event: 'readable', listener: ReadableListener): unknown;
  off(event: 'readable', listener: ReadableListener): unknown;
  /** Arms the watch for one event: the binding disarms it when it fires. */
  poll(events: number): void;
};
type UnixBinding = { readonly fd: number | null; readonly poller?: Poller };

/** The binding's flag for "readable" (its EVENTS.UV_READABLE). */
const POLL_READABLE = 1;
/** Reads per wake-up at most: a flood cannot keep the loop from other work. */
const MAX_READS_PER_WAKE = 8;

export type PollReader = { stop(): void };

/**
 * A monotonic clock in milliseconds. Not performance.now(): the global `performance` loads perf_hooks with
 * its histograms and timing modules on first use, ~0.4 MiB resident on Node 22, for one subtraction.
 */
const nowMs = (): number => process.uptime() * 1000;

export type PollConsumer = {
  bytes(chunk: Uint8Array): void;
  lost(reason: string): void;
  /** Bytes needed before anything can be done with those delivered (0: any byte may matter). */
  awaited(): number;
};

export function startPollReader(
  port: SerialPort,
  consumer: PollConsumer,
  byteMs: number,
  bufferSize = 4096,
): PollReader | undefined {
  const binding = (port as unknown as { port?: UnixBinding }).port;
  const fd = binding?.fd;
  const poller = binding?.poller;
  if (binding === undefined || typeof fd !== 'number' || poller === undefined) return undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const pacing = new ReadPacing(byteMs);
  const buffer = Buffer.allocUnsafe(bufferSize);

  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    poller.off('readable', onReadable);
  };
  const lose = (reason: string): void => {
    stop();
    consumer.lost(reason);
  };
  // One listener for the reader's life: arming again per wake-up is then one call, with nothing allocated.
  const onReadable: ReadableListener = (error) => {
    if (stopped) return;
    if (error !== null) lose(error.message);
    else drain(true);
  };
  /** Undefined: nothing there (EAGAIN). */
  const readOnce = (): number | undefined => {
    try {
      return readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return undefined;
      lose(`read failed (${code ?? (error as Error).message}): adapter unplugged?`);
      return 0;
    }
  };
  const drain = (woken: boolean): void => {
    let got = false;
    for (let i = 0; i < MAX_READS_PER_WAKE; i++) {
      const count = readOnce();
      if (stopped) return;
      if (count === undefined) break;
      if (count === 0) {
        lose('the port closed (adapter unplugged?)');
        return;
      }
      got = true;
      pacing.read(count, nowMs(), woken && i === 0);
      // A copy: the buffer is reused for the next read, and a sink may keep the chunk.
      consumer.bytes(Uint8Array.prototype.slice.call(buffer, 0, count));
      if (stopped) return;
      // A short read emptied the port: another read now would only say EAGAIN.
      if (count < buffer.length) break;
    }
    // Nothing came where bytes were expected (the meter paused): wait for them as they come.
    const wait = got ? pacing.waitFor(consumer.awaited()) : 0;
    if (wait > 0) timer = setTimeout(afterWait, wait);
    else poller.poll(POLL_READABLE);
  };
  const afterWait = (): void => {
    timer = undefined;
    if (!stopped) drain(false);
  };

  poller.on('readable', onReadable);
  poller.poll(POLL_READABLE);
  return { stop };
}
