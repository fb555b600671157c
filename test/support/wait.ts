/**
 * Waiting in tests. A test decides on the event it waits for, never on how long it took: a deadline here is
 * only the bound after which a test that will never pass is given up, so it is generous (never below
 * FAILURE_BOUND_MS, whatever the caller asks for). On a loaded machine a test is then slow, not failed.
 */
export const FAILURE_BOUND_MS = 60_000;

/** The deadline for a wait: the caller's, but never shorter than the failure bound. */
export function failureBound(timeoutMs?: number): number {
  return Math.max(timeoutMs ?? 0, FAILURE_BOUND_MS);
}

/**
 * Resolves once `condition` holds (checked every 10 ms); rejects naming what was awaited after the bound.
 * `what` may be a function, to say how far it got when the wait fails.
 */
export async function until(
  condition: () => boolean,
  what: string | (() => string),
  timeoutMs?: number,
): Promise<void> {
  const bound = failureBound(timeoutMs);
  const deadline = Date.now() + bound;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${bound} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Like `until`, for a probe that answers asynchronously (an HTTP query): its first defined answer. */
export async function untilValue<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {},
): Promise<T> {
  const bound = failureBound(options.timeoutMs);
  const deadline = Date.now() + bound;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${bound} ms waiting for ${what}${options.detail === undefined ? '' : `: ${options.detail()}`}`,
      );
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
