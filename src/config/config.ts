import { keyHint } from '../key.js';
import type { LogLevel } from '../log.js';

/** The one typed configuration the bridge runs on, whatever it came from (flags, environment, options file). */

export type SerialSourceConfig = {
  kind: 'serial';
  device: string;
  /** No device was given (flag, variable or option): the default, which the log says. */
  deviceDefaulted?: boolean;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
};
export type TcpSourceConfig = { kind: 'tcp'; host: string; port: number };
export type ReplaySourceConfig = {
  kind: 'replay';
  file: string;
  pace: 'original' | 'fast';
  intervalMs: number;
  /** Keep running after the last telegram (otherwise `run` publishes it, flushes MQTT and exits 0). */
  keepRunning: boolean;
};
export type SourceConfig = SerialSourceConfig | TcpSourceConfig | ReplaySourceConfig;

export type MqttConfig = {
  url: string;
  username: string | undefined;
  password: string | undefined;
  caFile: string | undefined;
  clientId: string;
  topicPrefix: string;
  discoveryPrefix: string;
  birthTopic: string;
  discovery: boolean;
};

/** Home Assistant's WebSocket API: notifications, entity ids, the Energy dashboard. */
export type HomeAssistantConfig = { url: string; token: string; energyDashboard: boolean; stateDir: string };

/** InfluxDB v2 output (the old project's INFLUX_* variables). */
export type InfluxConfig = {
  url: string;
  token: string;
  org: string;
  bucket: string;
  queueDir: string;
  maxQueueBytes: number;
};

export type BridgeConfig = {
  source: SourceConfig;
  key: Uint8Array;
  authKey: Uint8Array | undefined;
  capture: string | undefined;
  mqtt: MqttConfig;
  staleTimeoutS: number;
  /** The status page and /health; off unless given (the add-on uses 8099 for ingress). */
  httpPort: number | undefined;
  /** Where the status page listens: loopback unless --http-host / HTTP_HOST says otherwise. */
  httpHost: string;
  /**
   * The only peer addresses the status page answers (403 for any other); undefined answers every peer that
   * can reach httpHost. Set by the add-on alone: Home Assistant's ingress gateway and loopback.
   */
  httpAllowedPeers: readonly string[] | undefined;
  homeAssistant: HomeAssistantConfig | undefined;
  influx: InfluxConfig | undefined;
  /** A Sentry DSN: errors are reported there when set. */
  sentryUrl: string | undefined;
  logLevel: LogLevel;
  logConsole: boolean;
};

function describeSource(source: SourceConfig): string {
  switch (source.kind) {
    case 'serial': {
      const parity = { none: 'N', even: 'E', odd: 'O' }[source.parity];
      return `serial ${source.device}${source.deviceDefaulted === true ? ' (the default: no device given)' : ''} ${source.baudRate} ${source.dataBits}${parity}${source.stopBits}`;
    }
    case 'tcp':
      return `tcp://${source.host}:${source.port}`;
    case 'replay':
      return `replay ${source.file} (${source.pace}${source.keepRunning ? ', keeps running at the end' : ''})`;
  }
}

/** A one-line summary that is safe to log: the key as its first four hex digits, no password, no auth key. */
export function describeConfig(config: BridgeConfig): string {
  const m = config.mqtt;
  const user =
    m.username === undefined ? '' : ` as ${m.username}${m.password === undefined ? '' : ' (password ***)'}`;
  return [
    `source ${describeSource(config.source)}`,
    `key ${keyHint(config.key)}${config.authKey === undefined ? '' : ' + auth key'}`,
    `mqtt ${m.url}${user}`,
    `topics ${m.topicPrefix}/…`,
    m.discovery ? `discovery ${m.discoveryPrefix}` : 'discovery off',
    `stale after ${config.staleTimeoutS} s`,
    ...(config.httpPort === undefined
      ? []
      : [
          `web page on ${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${config.httpPort}` +
            (config.httpAllowedPeers === undefined ? '' : ` for ${config.httpAllowedPeers.join(', ')} only`),
        ]),
    ...(config.homeAssistant === undefined
      ? []
      : [
          `Home Assistant API ${config.homeAssistant.url}${config.homeAssistant.energyDashboard ? ' (Energy dashboard set-up on)' : ''}`,
        ]),
    ...(config.capture === undefined ? [] : [`capture ${config.capture}`]),
    ...(config.influx === undefined ? [] : [`InfluxDB ${config.influx.url} bucket ${config.influx.bucket}`]),
    ...(config.sentryUrl === undefined ? [] : ['Sentry error reports on']),
  ].join(', ');
}
