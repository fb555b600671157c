import type { BridgeConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { SourceEvent } from '../source/byte-source.js';
import { type App, type AppOptions, createApp } from './app.js';
import { waitForSignal } from './signals.js';

/**
 * The daemon's life, for `run` and the add-on alike: start the app, then run until a signal (SIGTERM →
 * `offline` published → exit 0), or, for `--replay`, until the capture is played and everything published
 * (unless --replay-keep-running). Returns the exit status.
 */

export type RunOptions = AppOptions & {
  /** Put before the error's message when the app cannot start. */
  readonly startFailed?: string;
  /** Put after the signal's name when one stops the app. */
  readonly stopping?: string;
};

export async function runUntilSignal(
  config: BridgeConfig,
  log: Logger,
  options: RunOptions = {},
): Promise<number> {
  const { startFailed = 'could not start', stopping = 'stopping', ...appOptions } = options;
  const replayEnd =
    config.source.kind === 'replay' && !config.source.keepRunning ? deferred<SourceEvent>() : undefined;
  const app = createApp(config, log, {
    ...appOptions,
    onSourceEvent: (event) => {
      appOptions.onSourceEvent?.(event);
      if (event.kind === 'end' || (event.kind === 'closed' && event.retryInMs === undefined))
        replayEnd?.resolve(event);
    },
  });
  try {
    await app.start();
  } catch (error) {
    // An unreadable CA file or a serial driver that does not load: one line, not a stack trace.
    app.log.error(`${startFailed}: ${(error as Error).message}`);
    return 1;
  }
  const signal = waitForSignal();
  const first = await Promise.race([signal, ...(replayEnd === undefined ? [] : [replayEnd.promise])]);
  if (typeof first === 'string') {
    app.log.info(`${first}: ${stopping}`);
    await app.stop();
    app.log.info('stopped');
    return 0;
  }
  return endOfReplay(first, app, signal);
}

/**
 * The capture is played: everything decoded is published once the broker takes it (it may still be coming:
 * the publisher keeps trying and says so), `offline` last, the connection closed cleanly, and exit 0. Exit 1
 * when nothing could be published (an unreadable file, a wrong key, a capture without a whole telegram).
 */
async function endOfReplay(event: SourceEvent, app: App, signal: Promise<NodeJS.Signals>): Promise<number> {
  const log = app.log;
  const published = app.stats.telegramsDecoded;
  if (event.kind !== 'end') {
    // The source has said why (an unreadable file) in an error line of its own.
    log.info('stopping: there is nothing to replay');
    await app.stop();
    return 1;
  }
  if (published === 0) {
    log.error(
      `end of the replay, and no telegram could be published (${app.stats.telegramsRejected} rejected, see above; the first telegram of a meter is published only once a second confirms its number)`,
    );
    await app.stop();
    return 1;
  }
  if (!app.delivery.connected)
    log.info(
      `end of the replay: ${published} telegram(s) decoded; waiting for the MQTT broker to publish the last one`,
    );
  let stopped: NodeJS.Signals | undefined;
  void signal.then((s) => {
    stopped = s;
  });
  while (!app.delivery.connected && stopped === undefined)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (stopped !== undefined) {
    log.info(`${stopped}: stopping before the replay's telegrams reached the broker`);
    await app.stop();
    return 1;
  }
  // Stopping publishes `offline` at QoS 1 after everything before it, and closes only when the broker has it.
  await app.stop();
  log.info(`end of the replay: ${published} telegram(s) decoded, the last one published; exiting`);
  return 0;
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
