import { runUntilSignal } from '../app/run.js';
import { describeConfig, operatorAdvice } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { spellings } from '../config/options.js';
import { runUsage } from '../config/usage.js';
import { createLogger } from '../log.js';
import { VERSION } from '../version.js';
import type { CliIo } from './io.js';

/**
 * `smartmeter-bridge run`: the daemon. Bad configuration is one clear line and exit 2 before anything
 * starts; after that app/run.ts runs it until a signal (SIGTERM → `offline` published → exit 0), or, for
 * `--replay`, until the end of the capture once everything is published (unless --replay-keep-running).
 */

export async function runBridge(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${runUsage()}\n`);
    return 0;
  }
  const loaded = loadConfig({ argv: args, env: io.env });
  if (!loaded.ok) {
    io.stderr(`configuration error: ${loaded.message}\n`);
    return 2;
  }
  const config = loaded.config;
  // Sentry, when configured, is the app's: it reports this logger's error lines and any crash.
  const log = createLogger({ level: config.logLevel, writer: { write: io.stderr, isTTY: io.stderrIsTTY } });
  log.info(`smartmeter-bridge ${VERSION}: ${describeConfig(config)}`);
  const advice = operatorAdvice(config);
  if (advice !== undefined) log.warn(advice);
  if (config.source.kind === 'serial' && config.source.deviceDefaulted === true)
    log.warn(
      `no device given (${spellings('device')}): reading ${config.source.device}; name the M-Bus adapter, best by its /dev/serial/by-id/… path, to be sure it is this one`,
    );
  return runUntilSignal(config, log);
}
