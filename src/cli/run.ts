import { Bridge } from '../bridge/bridge.js';
import type { BridgeConfig, SourceConfig } from '../config/config.js';
import { describeConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { statusTopic } from '../mqtt/topics.js';
import { parseDsn, SentryReporter } from '../sinks/sentry.js';
import type { ByteSource } from '../source/byte-source.js';
import { CaptureFile } from '../source/capture-file.js';
import { VERSION } from '../version.js';
import { startWebServer, type WebServer } from '../web/web-server.js';
import type { CliIo } from './io.js';
import { waitForSignal } from './signals.js';

/**
 * `smartmeter-bridge run`: the daemon. Bad configuration is one clear line and exit 2 before anything
 * starts; after that nothing but a signal ends it (SIGTERM → `offline` published → exit 0).
 */

// Sources and sinks are loaded only when configured: a bridge on ser2net does not hold serialport's
// native binding, one without InfluxDB or Home Assistant not their code (the heap is mostly module code).
async function createSource(config: SourceConfig, log: Logger): Promise<ByteSource> {
  switch (config.kind) {
    case 'serial':
      return new (await import('../source/serial-source.js')).SerialSource(config, log.child('serial'));
    case 'tcp':
      return new (await import('../source/tcp-source.js')).TcpSource(config, log.child('tcp'));
    case 'replay':
      return new (await import('../source/replay-source.js')).ReplaySource(config, log.child('replay'));
  }
}

export const RUN_USAGE = `Usage: smartmeter-bridge run --key HEX [options]

Source (one of):
  --device PATH            serial adapter, e.g. /dev/serial/by-id/usb-… (recommended) or /dev/ttyUSB0
  --device tcp://HOST:PORT a TCP serial bridge (ser2net, ESP)
  --replay FILE            a capture (raw or hex); --replay-pace original|fast, --replay-interval SECONDS
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
  const dsn = config.sentryUrl === undefined ? undefined : parseDsn(config.sentryUrl);
  const sentry = dsn === undefined ? undefined : new SentryReporter(dsn);
  const log = createLogger({
    level: config.logLevel,
    writer: { write: io.stderr, isTTY: io.stderrIsTTY },
    ...(sentry === undefined ? {} : { onError: (text: string) => void sentry.report('error', text) }),
  });
  if (sentry !== undefined) reportCrashes(sentry, log);
  log.info(`smartmeter-bridge ${VERSION}: ${describeConfig(config)}`);
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log);
  } catch (error) {
    // An unreadable CA file or a serial driver that does not load: one line, not a stack trace.
    log.error(`could not start: ${(error as Error).message}`);
    return 1;
  }
  const signal = await waitForSignal();
  log.info(`${signal}: stopping`);
  await bridge.stop();
  log.info('stopped');
  return 0;
}

export async function startBridge(
  config: BridgeConfig,
  log: Logger,
): Promise<{ stop(): Promise<void>; bridge: Bridge; web: WebServer | undefined }> {
  const capture =
    config.capture === undefined ? undefined : new CaptureFile(config.capture, log.child('capture'));
  const mqtt = new MqttPublisher(
    {
      url: config.mqtt.url,
      username: config.mqtt.username,
      password: config.mqtt.password,
      caFile: config.mqtt.caFile,
      clientId: config.mqtt.clientId,
      statusTopic: statusTopic(config.mqtt.topicPrefix),
      birthTopic: config.mqtt.discovery ? config.mqtt.birthTopic : undefined,
    },
    log.child('mqtt'),
  );
  const bridge = new Bridge(
    {
      keys: { encryptionKey: config.key, authenticationKey: config.authKey },
      topicPrefix: config.mqtt.topicPrefix,
      discoveryPrefix: config.mqtt.discoveryPrefix,
      discovery: config.mqtt.discovery,
      staleTimeoutS: config.staleTimeoutS,
      logConsole: config.logConsole,
    },
    {
      source: await createSource(config.source, log),
      mqtt,
      log,
      tap: capture === undefined ? undefined : (chunk) => capture.append(chunk),
    },
  );
  bridge.start();
  let web: WebServer | undefined;
  if (config.httpPort !== undefined) {
    try {
      web = await startWebServer(
        bridge,
        {
          port: config.httpPort,
          host: config.httpHost,
          captureFile: config.capture,
          allowedPeers: config.httpAllowedPeers,
        },
        log.child('http'),
      );
    } catch (error) {
      // The bridge is what matters; a taken port costs the page, not the data.
      log.error(`status page not started on port ${config.httpPort}: ${(error as Error).message}`);
    }
  }
  const ha =
    config.homeAssistant === undefined
      ? undefined
      : new (await import('../ha/ha-integration.js')).HaIntegration(
          bridge,
          web?.live,
          {
            hassUrl: config.homeAssistant.url,
            token: config.homeAssistant.token,
            energyDashboard: config.homeAssistant.energyDashboard,
            stateDir: config.homeAssistant.stateDir,
          },
          log.child('homeassistant'),
        );
  ha?.start();
  const influx =
    config.influx === undefined
      ? undefined
      : new (await import('../sinks/influx-writer.js')).InfluxWriter(
          bridge,
          config.influx,
          log.child('influxdb'),
        );
  influx?.start();
  return {
    bridge,
    web,
    stop: async () => {
      await influx?.stop();
      await ha?.stop();
      await web?.close();
      await bridge.stop();
      await capture?.close();
    },
  };
}

/** A bug that escapes everything: reported, logged as one line, and the process ends for its supervisor to restart. */
function reportCrashes(sentry: SentryReporter, log: Logger): void {
  const crash = (error: unknown): void => {
    const err = error instanceof Error ? error : new Error(String(error));
    log.error(`unexpected error, stopping: ${err.message}`);
    void sentry.report('fatal', err.message, err).finally(() => process.exit(1));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
