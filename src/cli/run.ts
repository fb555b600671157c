import { Bridge } from '../bridge/bridge.js';
import type { BridgeConfig, SourceConfig } from '../config/config.js';
import { describeConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { statusTopic } from '../mqtt/topics.js';
import { parseDsn, SentryReporter } from '../sinks/sentry.js';
import type { ByteSource, SourceEvent } from '../source/byte-source.js';
import { CaptureFile } from '../source/capture-file.js';
import { VERSION } from '../version.js';
import { startWebServer, type WebServer } from '../web/web-server.js';
import type { CliIo } from './io.js';
import { waitForSignal } from './signals.js';

/**
 * `smartmeter-bridge run`: the daemon. Bad configuration is one clear line and exit 2 before anything
 * starts; after that a signal ends it (SIGTERM → `offline` published → exit 0), or, for `--replay`, the end
 * of the capture once everything is published (unless --replay-keep-running).
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
  const dsn = config.sentryUrl === undefined ? undefined : parseDsn(config.sentryUrl);
  const sentry = dsn === undefined ? undefined : new SentryReporter(dsn);
  const log = createLogger({
    level: config.logLevel,
    writer: { write: io.stderr, isTTY: io.stderrIsTTY },
    ...(sentry === undefined ? {} : { onError: (text: string) => void sentry.report('error', text) }),
  });
  if (sentry !== undefined) reportCrashes(sentry, log);
  log.info(`smartmeter-bridge ${VERSION}: ${describeConfig(config)}`);
  if (config.source.kind === 'serial' && config.source.deviceDefaulted === true)
    log.warn(
      `no device given (--device, SERIAL_PORT or the add-on's device option): reading ${config.source.device}; name the M-Bus adapter, best by its /dev/serial/by-id/… path, to be sure it is this one`,
    );
  const replayEnd =
    config.source.kind === 'replay' && !config.source.keepRunning ? deferred<SourceEvent>() : undefined;
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log, {
      onSourceEvent: (event) => {
        if (event.kind === 'end' || (event.kind === 'closed' && event.retryInMs === undefined))
          replayEnd?.resolve(event);
      },
    });
  } catch (error) {
    // An unreadable CA file or a serial driver that does not load: one line, not a stack trace.
    log.error(`could not start: ${(error as Error).message}`);
    return 1;
  }
  const signal = waitForSignal();
  const first = await Promise.race([signal, ...(replayEnd === undefined ? [] : [replayEnd.promise])]);
  if (typeof first === 'string') {
    log.info(`${first}: stopping`);
    await bridge.stop();
    log.info('stopped');
    return 0;
  }
  return endOfReplay(first, bridge, signal, log);
}

/**
 * The capture is played: everything decoded is published once the broker takes it (it may still be coming:
 * the publisher keeps trying and says so), `offline` last, the connection closed cleanly, and exit 0. Exit 1
 * when nothing could be published (an unreadable file, a wrong key, a capture without a whole telegram).
 */
async function endOfReplay(
  event: SourceEvent,
  running: Awaited<ReturnType<typeof startBridge>>,
  signal: Promise<NodeJS.Signals>,
  log: Logger,
): Promise<number> {
  const published = running.bridge.stats.telegramsDecoded;
  if (event.kind !== 'end') {
    // The source has said why (an unreadable file) in an error line of its own.
    log.info('stopping: there is nothing to replay');
    await running.stop();
    return 1;
  }
  if (published === 0) {
    log.error(
      `end of the replay, and no telegram could be published (${running.bridge.stats.telegramsRejected} rejected, see above; the first telegram of a meter is published only once a second confirms its number)`,
    );
    await running.stop();
    return 1;
  }
  if (!running.bridge.mqttConnected)
    log.info(
      `end of the replay: ${published} telegram(s) decoded; waiting for the MQTT broker to publish the last one`,
    );
  let stopped: NodeJS.Signals | undefined;
  void signal.then((s) => {
    stopped = s;
  });
  while (!running.bridge.mqttConnected && stopped === undefined)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (stopped !== undefined) {
    log.info(`${stopped}: stopping before the replay's telegrams reached the broker`);
    await running.stop();
    return 1;
  }
  // stop() publishes `offline` at QoS 1 after everything before it, and closes only when the broker has it.
  await running.stop();
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

export async function startBridge(
  config: BridgeConfig,
  log: Logger,
  hooks: { onSourceEvent?: (event: SourceEvent) => void } = {},
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
      source: observed(await createSource(config.source, log), hooks.onSourceEvent),
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

/** The source as it is, its events also shown to `onEvent` after the bridge has handled them. */
function observed(source: ByteSource, onEvent: ((event: SourceEvent) => void) | undefined): ByteSource {
  if (onEvent === undefined) return source;
  return {
    description: source.description,
    start: (sink) =>
      source.start({
        bytes: (chunk) => sink.bytes(chunk),
        event: (event) => {
          sink.event(event);
          onEvent(event);
        },
      }),
    stop: () => source.stop(),
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
