import type { Bridge } from '../bridge/bridge.js';
import type { Delivery } from '../bridge/delivery.js';
import type { MqttConfig, SourceConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { DiscoveryContext } from '../mqtt/discovery.js';
import { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { MqttSink } from '../mqtt/mqtt-sink.js';
import { statusTopic } from '../mqtt/topics.js';
import { PrometheusMetrics } from '../sinks/prometheus.js';
import type { SentryReporter } from '../sinks/sentry.js';
import type { ByteSource, SourceEvent } from '../source/byte-source.js';
import { CaptureFile } from '../source/capture-file.js';
import type { LiveState } from '../web/live-state.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../web/web-server.js';
import type { Component } from './component.js';

/**
 * The components the app is made of, each with its start, stop and failure policy. Each is built from its
 * part of the configuration and listens to the bridge from the moment it is built.
 */

// A source is loaded only when configured: a bridge on ser2net does not hold serialport's native binding
// (the heap is mostly module code).
export async function createSource(config: SourceConfig, log: Logger): Promise<ByteSource> {
  switch (config.kind) {
    case 'serial':
      return new (await import('../source/serial-source.js')).SerialSource(config, log.child('serial'));
    case 'tcp':
      return new (await import('../source/tcp-source.js')).TcpSource(config, log.child('tcp'));
    case 'replay':
      return new (await import('../source/replay-source.js')).ReplaySource(config, log.child('replay'));
  }
}

/** The source as it is, its events also shown to `onEvent` after the bridge has handled them. */
export function observed(
  source: ByteSource,
  onEvent: ((event: SourceEvent) => void) | undefined,
): ByteSource {
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
        awaited: () => sink.awaited?.() ?? 0,
      }),
    stop: () => source.stop(),
  };
}

/** The pipeline's reading: started last, when every output listens; stopped first. */
export function reading(bridge: Bridge): Component {
  return { name: 'source', failure: 'fatal', start: () => bridge.start(), stop: () => bridge.stop() };
}

/** MQTT: states, discovery, availability. Its connection failing at start (a CA file) is fatal. */
export function mqttOutput(
  bridge: Bridge,
  config: MqttConfig,
  staleTimeoutS: number,
  log: Logger,
  discoveryContext: DiscoveryContext = {},
): Component & { readonly sink: MqttSink } {
  const publisher = new MqttPublisher(
    {
      url: config.url,
      username: config.username,
      password: config.password,
      caFile: config.caFile,
      clientId: config.clientId,
      statusTopic: statusTopic(config.topicPrefix),
      birthTopic: config.discovery ? config.birthTopic : undefined,
    },
    log.child('mqtt'),
  );
  const sink = new MqttSink(
    bridge,
    publisher,
    {
      topicPrefix: config.topicPrefix,
      discoveryPrefix: config.discoveryPrefix,
      discovery: config.discovery,
      staleTimeoutS,
      discoveryContext,
    },
    log,
  );
  return { name: 'MQTT', failure: 'fatal', sink, start: () => sink.start(), stop: () => sink.stop() };
}

/** The live page, /status.json, /health and Prometheus's /metrics. A port it cannot have costs the page only. */
export function webPage(
  bridge: Bridge,
  delivery: Delivery,
  options: Omit<WebServerOptions, 'delivery' | 'metrics'>,
  log: Logger,
): Component & { readonly live: LiveState | undefined } {
  let server: WebServer | undefined;
  return {
    name: 'web page',
    failure: { without: (error) => `status page not started on port ${options.port}: ${error.message}` },
    get live() {
      return server?.live;
    },
    start: async () => {
      const metrics = new PrometheusMetrics(bridge, delivery);
      server = await startWebServer(bridge, { ...options, delivery, metrics }, log.child('http'));
    },
    stop: () => server?.close(),
  };
}

/** Every raw byte appended to a file; a write failure is one error line, and capturing stops. */
export function capture(bridge: Bridge, path: string, log: Logger): Component {
  let file: CaptureFile | undefined;
  bridge.listen({ bytes: (chunk) => file?.append(chunk) });
  return {
    name: 'capture',
    failure: 'fatal',
    start: () => {
      file = new CaptureFile(path, log.child('capture'));
    },
    stop: () => file?.close(),
  };
}

/** Anything that escapes everything: reported, logged as one line, and the process ends for its supervisor. */
export function crashReports(reporter: SentryReporter, log: Logger): Component {
  const crash = (error: unknown): void => {
    const err = error instanceof Error ? error : new Error(String(error));
    log.error(`unexpected error, stopping: ${err.message}`);
    void reporter.report('fatal', err.message, err).finally(() => process.exit(1));
  };
  return {
    name: 'Sentry',
    failure: 'fatal',
    start: () => {
      process.on('uncaughtException', crash);
      process.on('unhandledRejection', crash);
    },
    stop: () => {
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
    },
  };
}
