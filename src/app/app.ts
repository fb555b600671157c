import { Bridge } from '../bridge/bridge.js';
import { type Delivery, NO_DELIVERY } from '../bridge/delivery.js';
import { emptyStats, type PipelineStats } from '../bridge/pipeline-stats.js';
import type { BridgeConfig } from '../config/config.js';
import type { WireFraming } from '../config/grid-operators.js';
import { lineAdvice } from '../config/line-advice.js';
import type { Framing } from '../decoder/telegram-decoder.js';
import { type Logger, reportingErrors } from '../log.js';
import type { MqttSink } from '../mqtt/mqtt-sink.js';
import { parseDsn, SentryReporter } from '../sinks/sentry.js';
import type { SourceEvent } from '../source/byte-source.js';
import { type Component, Components } from './component.js';
import { capture, crashReports, createSource, mqttOutput, observed, reading, webPage } from './components.js';

/**
 * The composition root, for `run` and the add-on alike: the bridge (source → decoder → guard) and the
 * components that listen to it, built from the configuration, started in order and stopped in reverse.
 * Optional parts are loaded only when configured: one without InfluxDB or Home Assistant does not hold
 * their code (the heap is mostly module code).
 *
 * Start order: the crash reporter, the capture file, MQTT (the first listener, so that the page sees what
 * it published), the web page with /metrics, Home Assistant, InfluxDB, and last the source, once everything
 * listens. Stopping reverses it: the source first, MQTT's `offline` after everything else.
 */

export type AppOptions = {
  /** The device page's link in Home Assistant (the add-on's ingress page), for discovery. */
  readonly configurationUrl?: string | undefined;
  /** Sees each of the source's events after the pipeline (how `run --replay` knows the capture is played). */
  readonly onSourceEvent?: ((event: SourceEvent) => void) | undefined;
};

export type App = {
  /** The logger every component writes to: the one given, its error lines reported to Sentry when configured. */
  readonly log: Logger;
  /** Loads and starts every component; rejects with one line's worth of message if a fatal one fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The pipeline's counters (zero before start). */
  readonly stats: PipelineStats;
  /** What the MQTT output delivered. */
  readonly delivery: Delivery;
};

/** The path of the decoder that reads each framing of the operator table: OMS comes in M-Bus long frames. */
const DECODER_FRAMING: Readonly<Record<WireFraming, Framing>> = {
  mbus: 'mbus',
  oms: 'mbus',
  hdlc: 'hdlc',
  'hdlc+gbt': 'hdlc',
  apdu: 'apdu',
  dsmr: 'dsmr',
};

export function createApp(config: BridgeConfig, log: Logger, options: AppOptions = {}): App {
  const dsn = config.sentryUrl === undefined ? undefined : parseDsn(config.sentryUrl);
  const reporter = dsn === undefined ? undefined : new SentryReporter(dsn);
  const appLog =
    reporter === undefined ? log : reportingErrors(log, (text) => void reporter.report('error', text));
  const components = new Components(appLog);
  let built: { bridge: Bridge; mqtt: MqttSink } | undefined;
  const noStats = emptyStats();
  return {
    log: appLog,
    start: async () => {
      const made = await build(config, appLog, options);
      built = made;
      await components.start([
        ...(reporter === undefined ? [] : [crashReports(reporter, appLog)]),
        ...made.components,
      ]);
    },
    stop: () => components.stop(),
    get stats() {
      return built?.bridge.stats ?? noStats;
    },
    get delivery() {
      return built?.mqtt ?? NO_DELIVERY;
    },
  };
}

async function build(
  config: BridgeConfig,
  log: Logger,
  options: AppOptions,
): Promise<{ bridge: Bridge; mqtt: MqttSink; components: Component[] }> {
  const bridge = new Bridge(
    {
      keys: { encryptionKey: config.key, authenticationKey: config.authKey },
      logConsole: config.logConsole,
      lineAdvice: lineAdvice(config),
      framing: config.meter.framing === undefined ? undefined : DECODER_FRAMING[config.meter.framing],
    },
    { source: observed(await createSource(config.source, log), options.onSourceEvent), log },
  );
  const components: Component[] = [];
  if (config.capture !== undefined) components.push(capture(bridge, config.capture, log));
  const mqtt = mqttOutput(
    bridge,
    config.mqtt,
    config.staleTimeoutS,
    log,
    options.configurationUrl === undefined ? {} : { configurationUrl: options.configurationUrl },
  );
  components.push(mqtt);
  const web =
    config.httpPort === undefined
      ? undefined
      : webPage(
          bridge,
          mqtt.sink,
          {
            port: config.httpPort,
            host: config.httpHost,
            captureFile: config.capture,
            allowedPeers: config.httpAllowedPeers,
          },
          log,
        );
  if (web !== undefined) components.push(web);
  if (config.homeAssistant !== undefined) {
    const { HaIntegration } = await import('../ha/ha-integration.js');
    const ha = new HaIntegration(
      bridge,
      {
        hassUrl: config.homeAssistant.url,
        token: config.homeAssistant.token,
        energyDashboard: config.homeAssistant.energyDashboard,
        stateDir: config.homeAssistant.stateDir,
      },
      log.child('homeassistant'),
      {
        entities: (entities) => web?.live?.setEntities(entities),
        language: (language) => mqtt.sink.setDiscoveryContext({ language }),
      },
    );
    components.push({
      name: 'Home Assistant',
      failure: 'fatal',
      start: () => ha.start(),
      stop: () => ha.stop(),
    });
  }
  if (config.influx !== undefined) {
    const { InfluxWriter } = await import('../sinks/influx-writer.js');
    const influx = new InfluxWriter(bridge, config.influx, log.child('influxdb'));
    components.push({
      name: 'InfluxDB',
      failure: 'fatal',
      start: () => influx.start(),
      stop: () => influx.stop(),
    });
  }
  components.push(reading(bridge));
  return { bridge, mqtt: mqtt.sink, components };
}
