import { runUntilSignal } from '../app/run.js';
import { describeConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { VERSION } from '../version.js';
import type { CliIo } from './io.js';

/**
 * `smartmeter-bridge run`: the daemon. Bad configuration is one clear line and exit 2 before anything
 * starts; after that app/run.ts runs it until a signal (SIGTERM → `offline` published → exit 0), or, for
 * `--replay`, until the end of the capture once everything is published (unless --replay-keep-running).
 */

export const RUN_USAGE = `Usage: smartmeter-bridge run --key HEX [options]

Source (one of):
  --device PATH            serial adapter, e.g. /dev/serial/by-id/usb-… (recommended) or /dev/ttyUSB0;
                           without --device (or SERIAL_PORT) it reads /dev/ttyUSB0 and the log says so
  --device tcp://HOST:PORT a TCP serial bridge (ser2net, ESP)
  --replay FILE            a capture (raw or hex); --replay-pace original|fast, --replay-interval SECONDS;
                           exits 0 once its last telegram is published (exit 1 if none could be), or
                           --replay-keep-running to go on serving MQTT and the web page
  --baud N, --parity none|even|odd, --data-bits 7|8, --stop-bits 1|2   (default 2400 8E1)
  --capture FILE           also append every raw byte received to FILE

MQTT:
  --mqtt-url mqtt://HOST:1883 | mqtts://HOST:8883, --mqtt-user, --mqtt-password, --mqtt-ca FILE
  --topic-prefix P         state topics P/<key> (default home/smart_meter)
  --discovery-prefix P     Home Assistant discovery (default homeassistant); --no-discovery
  --stale-timeout S        'offline' after S seconds without a valid telegram (default 30)
  --http-port N            serve the live web page, /status.json, /metrics and /health on port N (off by default)
  --http-host ADDR         where that page listens (HTTP_HOST): 127.0.0.1 by default, so only this machine
                           can read it; 0.0.0.0 for every address (e.g. for Prometheus on another host)
  --ha-url URL --ha-token T  Home Assistant's API (a long-lived token): notifications when the meter needs
                           attention, entity ids on the web page; --energy-dashboard adds the meter to the
                           Energy dashboard once (marker kept in --state-dir)

  --influx-url URL --influx-token T --influx-org O --influx-bucket B   InfluxDB v2 output, queued on disk
                           (--influx-queue-dir, --influx-queue-mb; INFLUX_URL INFLUX_TOKEN INFLUX_ORGANIZATION INFLUX_BUCKET)
  --sentry-url DSN         report errors to Sentry (SENTRY_URL)
  --auth-key HEX, --log-level debug|info|warn|error, --options FILE (JSON, e.g. /data/options.json)

The flags and variables of the Python project this replaces keep working: --serial_key --serial_port
--mqtt_server --mqtt_port --mqtt_user --mqtt_passwd --log_console; SERIAL_KEY MQTT_SERVER MQTT_PORT
MQTT_USER MQTT_PASSWD.`;

export async function runBridge(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${RUN_USAGE}\n`);
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
  if (config.source.kind === 'serial' && config.source.deviceDefaulted === true)
    log.warn(
      `no device given (--device, SERIAL_PORT or the add-on's device option): reading ${config.source.device}; name the M-Bus adapter, best by its /dev/serial/by-id/… path, to be sure it is this one`,
    );
  return runUntilSignal(config, log);
}
