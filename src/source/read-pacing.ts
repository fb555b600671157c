/**
 * When a serial reader may let bytes gather instead of waking for every few of them. A USB adapter at
 * 2400 baud hands over a few bytes every few milliseconds; a frame of 250 bytes is then some 80 wake-ups,
 * each costing far more than the bytes it brings. When the consumer says it needs n more bytes before it
 * can do anything, those cannot arrive sooner than n byte times from now (the line's pace), so the reader
 * may sleep for nearly that long and read them in one go: the last byte, the one that matters, still
 * wakes the reader as it arrives.
 *
 * A link faster than its baud rate (a pseudo-terminal, a network-backed port) would be held up by such a
 * wait, so a chunk more than the line could have delivered since the last read turns the waiting off for
 * a minute (a real line cannot do that; a kernel busy for long can, once), and a large chunk on a wake-up
 * turns it off for that frame.
 */

/** How long an adapter may hold bytes before it hands them over (FTDI's latency timer is 16 ms). */
const ADAPTER_HOLD_MS = 50;
/** The wait stops this much before the last awaited byte can arrive: the adapter's holding, a late timer. */
const MARGIN_MS = 30;
/** Shorter waits save too little to be worth a timer. */
const MIN_WAIT_MS = 20;
/** How long a chunk faster than the line keeps the waiting off. */
const FAST_LINK_MS = 60_000;

export class ReadPacing {
  private lastReadAt: number | undefined;
  private fastUntil = Number.NEGATIVE_INFINITY;
  private burst = false;

  /** `byteMs`: one byte's time on the line, start, data, parity and stop bits at the baud rate. */
  constructor(private readonly byteMs: number) {}

  /** Bytes the line could have delivered in `ms`, with what an adapter may have held back on top. */
  private lineBytes(ms: number): number {
    return Math.ceil((ms + ADAPTER_HOLD_MS) / this.byteMs) + 1;
  }

  /** A read of `count` bytes at `now`; `woken` when the poller had reported the port readable. */
  read(count: number, now: number, woken: boolean): void {
    if (this.lastReadAt !== undefined && count > this.lineBytes(now - this.lastReadAt)) {
      this.fastUntil = now + FAST_LINK_MS;
    }
    this.burst = woken && count > this.lineBytes(0);
    this.lastReadAt = now;
  }

  /** How long to wait before the next read, in ms (0: at once, when the port is readable). */
  waitFor(awaited: number): number {
    if ((this.lastReadAt ?? 0) < this.fastUntil || this.burst || awaited <= 1) return 0;
    const ms = (awaited - 1) * this.byteMs - MARGIN_MS;
    return ms >= MIN_WAIT_MS ? ms : 0;
  }

  /** One byte's time, for a port's settings. */
  static byteMs(baudRate: number, dataBits: number, parity: boolean, stopBits: number): number {
    return ((1 + dataBits + (parity ? 1 : 0) + stopBits) * 1000) / baudRate;
  }
}
