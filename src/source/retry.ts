import type { Logger } from '../log.js';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './byte-source.js';

/**
 * When a source reopens after losing its adapter or connection: 1 s, 2 s, 4 s … up to the maximum, reset
 * by a success. The first loss is a warning; the retries after it are debug lines, so an adapter that is
 * away for a day does not fill the log.
 */
export class Retry {
  private attempt = 0;
  private reported = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly log: Logger,
  ) {}

  /** Logs the loss, calls `again` after the backoff delay, and returns that delay. */
  schedule(what: string, reason: string, again: () => void): number {
    const delay = backoffDelay(this.backoff, this.attempt++);
    const message = `${what}: ${reason}; retrying in ${(delay / 1000).toFixed(1)} s`;
    if (this.reported) this.log.debug(message);
    else this.log.warn(message);
    this.reported = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(again, delay);
    return delay;
  }

  succeeded(): void {
    this.attempt = 0;
    this.reported = false;
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
