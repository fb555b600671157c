#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runUntilSignal } from '../app/run.js';
import { describeConfig, operatorAdvice } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { VERSION } from '../version.js';
import {
  fetchMqttService,
  fetchSelfInfo,
  ingressUrl,
  type MqttService,
  mqttServiceUrl,
} from './supervisor.js';

/**
 * The add-on's start-up inside the container. Options come from /data/options.json (written by the
 * Supervisor from the add-on's Configuration tab); the MQTT broker comes from the Supervisor's `mqtt`
 * service unless the user set mqtt_host. Every problem is one log line and a non-zero exit, so that it
 * shows in the Log tab as a sentence, not a stack trace.
 */

/**
 * Who may open the add-on's page: Home Assistant's ingress gateway, the one address ingress traffic comes
 * from (the Supervisor's docs), and loopback for the container's HEALTHCHECK. The page listens on every
 * address, since ingress connects from outside the container; any other peer gets 403.
 */
const INGRESS_PEERS: readonly string[] = ['172.30.32.2', '127.0.0.1', '::1'];

const env = process.env;
const optionsPath = env['SMARTMETER_OPTIONS'] ?? '/data/options.json';
const supervisorUrl = env['SUPERVISOR_URL'] ?? 'http://supervisor';

function readOptions(): Record<string, unknown> | string {
  if (!existsSync(optionsPath))
    return `${optionsPath} does not exist: is this running as a Home Assistant app (add-on)?`;
  try {
    const value: unknown = JSON.parse(readFileSync(optionsPath, 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    return `${optionsPath} does not hold a JSON object`;
  } catch (error) {
    return `${optionsPath} cannot be read: ${(error as Error).message}`;
  }
}

async function main(): Promise<number> {
  const options = readOptions();
  const level =
    typeof options === 'object' && LOG_LEVELS.includes(options['log_level'] as LogLevel)
      ? (options['log_level'] as LogLevel)
      : 'info';
  // The Log tab shows escape codes verbatim: colour only on a real terminal.
  const log = createLogger({
    level,
    writer: { write: (line) => process.stdout.write(line), isTTY: process.stdout.isTTY === true },
  });
  log.info(`smartmeter-bridge ${VERSION} starting`);
  if (typeof options === 'string') {
    log.error(options);
    return 1;
  }

  let mqttService: MqttService | undefined;
  // config.yaml asks for the mqtt service as `want`: with mqtt_host set, the Supervisor is not asked at all.
  const userBroker = typeof options['mqtt_host'] === 'string' && options['mqtt_host'] !== '';
  if (userBroker) {
    log.info(`MQTT broker from the app options: ${String(options['mqtt_host'])}`);
  } else {
    const token = env['SUPERVISOR_TOKEN'];
    if (token === undefined || token === '') {
      log.error(
        'no SUPERVISOR_TOKEN: cannot ask Home Assistant for the MQTT broker; set mqtt_host in the options',
      );
      return 1;
    }
    const result = await fetchMqttService(supervisorUrl, token);
    if (!result.ok) {
      log.error(
        `no MQTT broker found (${result.reason}). Install and start the "Mosquitto broker" app (add-on) and the MQTT integration, ` +
          'or enter your own broker under mqtt_host/mqtt_port/mqtt_user/mqtt_password. / ' +
          'Kein MQTT-Broker gefunden: die App (das Add-on) „Mosquitto broker" installieren und starten oder einen eigenen Broker eintragen.',
      );
      return 1;
    }
    const service = result.service;
    mqttService = service;
    log.info(
      `MQTT broker from Home Assistant: ${mqttServiceUrl(service)}${service.username === undefined ? '' : ` as ${service.username}`}`,
    );
  }

  const httpPort = env['SMARTMETER_HTTP_PORT'] ?? '8099';
  // Home Assistant's WebSocket API through the Supervisor's proxy (homeassistant_api: true in config.yaml).
  const token = env['SUPERVISOR_TOKEN'];
  // The device page's "Visit" link: this app's ingress page, named by its full slug.
  const self = token === undefined || token === '' ? undefined : await fetchSelfInfo(supervisorUrl, token);
  const configurationUrl = self === undefined || self.ingress === false ? undefined : ingressUrl(self.slug);
  const haFlags =
    token === undefined || token === ''
      ? []
      : ['--ha-url', `${supervisorUrl}/core`, '--ha-token', token, '--state-dir', dirname(optionsPath)];
  const loaded = loadConfig({
    argv: ['--http-port', httpPort, '--http-host', '0.0.0.0', ...haFlags],
    env: {},
    optionsFile: optionsPath,
    supervisor: { mqtt: mqttService },
  });
  if (!loaded.ok) {
    log.error(`configuration: ${loaded.message.replace(/^option "([^"]+)"/, 'option $1')}`);
    return 1;
  }
  const config = { ...loaded.config, httpAllowedPeers: INGRESS_PEERS };
  if (config.source.kind === 'serial' && !existsSync(config.source.device)) {
    log.error(
      `the serial device ${config.source.device} does not exist: pick the M-Bus adapter under "device" in the app's (add-on's) configuration ` +
        '(is it plugged in?). / Das serielle Gerät existiert nicht: den M-Bus-Adapter in der Konfiguration der App (des Add-ons) unter „device" auswählen.',
    );
    return 1;
  }
  log.info(describeConfig(config));
  const advice = operatorAdvice(config);
  if (advice !== undefined) log.warn(advice);
  // A start that fails (an unreadable CA file, a serial driver that does not load) is one line in the Log tab.
  return runUntilSignal(config, log, {
    configurationUrl,
    startFailed: 'could not start / Start fehlgeschlagen',
    stopping: 'publishing offline and stopping',
  });
}

// Not a top-level await: the shipped bundle is CommonJS (tools/build.mjs).
void main().then((code) => {
  process.exitCode = code;
});
