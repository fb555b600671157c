import type { LogLevel } from '../log.js';
import type { GridOperatorId, PayloadKind, PositionalLayout, WireFraming } from './grid-operators.js';
import { gridOperator } from './grid-operators.js';
import { ROWS, spellings } from './options.js';

/**
 * The one typed configuration the bridge runs on, whatever it came from (flags, environment, options file, the
 * Supervisor).
 */

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

/**
 * The grid operator's preset (`--operator`), as hints for the decoder: the framing its meters usually send,
 * whether the decrypted payload is DSMR text, and the positional layout where the structure alone is
 * ambiguous. All undefined for `auto`: the decoder finds everything from the bytes.
 */
export type MeterPresetConfig = {
  operator: GridOperatorId | undefined;
  framing: WireFraming | undefined;
  payload: PayloadKind | undefined;
  layout: PositionalLayout | undefined;
  /** The operator's meters sign their telegrams: a missing auth key is worth a word at start. */
  authKeyExpected: boolean;
};

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
  meter: MeterPresetConfig;
  capture: string | undefined;
  mqtt: MqttConfig;
  staleTimeoutS: number;
  /** The status page and /health; off unless given (the add-on uses 8099 for ingress). */
  httpPort: number | undefined;
  /** Where the status page listens: loopback unless the http_host option says otherwise. */
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

/**
 * A one-line summary that is safe to log, made of the options table's summaries in its order: the key as its
 * first four hex digits, no password, no token, no auth key.
 */
export function describeConfig(config: BridgeConfig): string {
  return ROWS.flatMap(([, row]) => row.summary?.(config) ?? []).join(', ');
}

/**
 * What the grid operator's preset says the user should know at start: its meters sign their telegrams and no
 * authentication key was given, so they are decrypted but their tag is not checked.
 */
export function operatorAdvice(config: BridgeConfig): string | undefined {
  const preset = config.meter.operator === undefined ? undefined : gridOperator(config.meter.operator);
  if (preset === undefined || !preset.authKey || config.authKey !== undefined) return undefined;
  return `${preset.name} sends an authentication key too (${preset.keySource}): without it (${spellings('auth_key')}) its telegrams are decrypted but their authentication tag is not checked`;
}
