import { readSync } from 'node:fs';
import type { SerialPort } from 'serialport';

/**
 * Reading a serial port on the event loop. serialport reads each chunk through libuv's thread pool and,
 * at a meter's pace of a few bytes per wake-up, then once more in vain (EAGAIN) before it waits: two
 * thread hand-offs per few bytes. Its binding already watches the descriptor with epoll (its poller), so
 * here the loop waits on that and reads what is there with one non-blocking read, with no thread involved.
 * Unix only, with serialport's own binding; elsewhere the caller keeps serialport's stream.
 */

type Poller = {
  once(event: 'readable', callback: (error: Error | null) => void): unknown;
};
type UnixBinding = { readonly fd: number | null; readonly poller?: Poller };

export type PollReader = { stop(): void };

/** Reads per wake-up at most: a flood cannot keep the loop from other work. */
const MAX_READS_PER_WAKE = 8;

export function startPollReader(
  port: SerialPort,
  onBytes: (chunk: Uint8Array) => void,
  onLost: (reason: string) => void,
  bufferSize = 4096,
): PollReader | undefined {
  const binding = (port as unknown as { port?: UnixBinding }).port;
  const fd = binding?.fd;
  const poller = binding?.poller;
  if (binding === undefined || typeof fd !== 'number' || poller === undefined) return undefined;
  let stopped = false;
  const buffer = Buffer.allocUnsafe(bufferSize);

  const wait = (): void => {
    poller.once('readable', (error) => {
      if (stopped) return;
      if (error !== null) {
        onLost(error.message);
        return;
      }
      drain();
    });
  };
  const drain = (): void => {
    for (let i = 0; i < MAX_READS_PER_WAKE; i++) {
      let count: number;
      try {
        count = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') break;
        stopped = true;
        onLost(`read failed (${code ?? (error as Error).message}): adapter unplugged?`);
        return;
      }
      if (count === 0) {
        stopped = true;
        onLost('the port closed (adapter unplugged?)');
        return;
      }
      // A copy: the buffer is reused for the next read, and a sink may keep the chunk.
      onBytes(Uint8Array.prototype.slice.call(buffer, 0, count));
      if (count < buffer.length) break;
    }
    if (!stopped) wait();
  };
  wait();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
