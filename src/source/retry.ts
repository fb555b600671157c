import type { Logger } from '../log.js';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './byte-source.js';

/**
 * When a source reopens after losing its adapter or connection: 1 s, 2 s, 4 s … up to the maximum, reset
 * by a success. The first loss is a warning; the retries after it are debug lines, so an adapter that is
 * away for a day does not fill the log, and at growing intervals (StillTrying) one warning says that it is
 * still trying, for how long, and why.
 */
export class Retry {
  private attempt = 0;
  private reported = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly stillTrying: StillTrying;

  constructor(
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    this.stillTrying = new StillTrying(now);
  }

  /** Logs the loss, calls `again` after the backoff delay, and returns that delay. */
  schedule(what: string, reason: string, again: () => void): number {
    const delay = backoffDelay(this.backoff, this.attempt++);
    const next = `${(delay / 1000).toFixed(1)} s`;
    const failingFor = this.stillTrying.failed();
    if (!this.reported) this.log.warn(`${what}: ${reason}; retrying in ${next}`);
    else if (failingFor !== undefined)
      this.log.warn(
        `${what}: still waiting for it after ${failingFor} (${reason}); nothing is read until it is back; next try in ${next}`,
      );
    else this.log.debug(`${what}: ${reason}; retrying in ${next}`);
    this.reported = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(again, delay);
    return delay;
  }

  succeeded(): void {
    this.attempt = 0;
    this.reported = false;
    this.stillTrying.succeeded();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

/** After 1 min, 5 min and 30 min of failing, then every hour. */
const NOTICES_MS = [60_000, 5 * 60_000, 30 * 60_000];
const HOUR_MS = 60 * 60_000;

function noticeAt(index: number): number {
  return NOTICES_MS[index] ?? HOUR_MS * (index - NOTICES_MS.length + 1);
}

/**
 * Something that keeps failing (the serial port, the broker): says when a "still trying" line is due, at
 * growing intervals, so that a long outage is neither silent nor a line per attempt.
 */
export class StillTrying {
  private since: number | undefined;
  private notices = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** One more failure. Returns how long it has been failing ("5 min") when a line is due now. */
  failed(): string | undefined {
    const now = this.now();
    this.since ??= now;
    const elapsed = now - this.since;
    if (elapsed < noticeAt(this.notices)) return undefined;
    while (elapsed >= noticeAt(this.notices)) this.notices++;
    return formatDuration(elapsed);
  }

  succeeded(): void {
    this.since = undefined;
    this.notices = 0;
  }
}

/** 75 s → "1 min", 5400 s → "1 h 30 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
