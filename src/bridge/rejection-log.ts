import type { MeterError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * A wrong key fails every 5 s; one log line each time would bury everything else. Each error code is
 * logged at most once a minute, with a count of what was held back since.
 */
export class RejectionLog {
  private readonly seen = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly windowMs = 60_000,
  ) {}

  report(error: MeterError): void {
    const now = this.now();
    const entry = this.seen.get(error.code);
    if (entry !== undefined && now - entry.loggedAt < this.windowMs) {
      entry.suppressed++;
      return;
    }
    const more =
      entry !== undefined && entry.suppressed > 0 ? ` (${entry.suppressed} more since the last report)` : '';
    this.log.warn(`${error.code}: ${error.message}${more}`);
    this.seen.set(error.code, { loggedAt: now, suppressed: 0 });
  }
}
