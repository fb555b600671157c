import { randomBytes } from 'node:crypto';
import { Bridge } from '../bridge/bridge.js';
import type { MqttConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { Telegram } from '../meter/meter-model.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { DEFAULT_TOPIC_PREFIX } from '../mqtt/topics.js';
import { MeterSimulator } from '../simulator/meter-simulator.js';
import { needsAuthKey, type SimulatorLayout } from '../simulator/simulator-layouts.js';
import { SimulatorSource } from '../simulator/simulator-source.js';
import { freeTcpPort } from '../web/free-port.js';
import { Components } from './component.js';
import { mqttOutput, reading, webPage } from './components.js';

/**
 * `demo`'s composition: a simulated meter → the bridge → an MQTT broker inside the process, and the web
 * page; the same components as `run`, on a fresh random key each time (the real decryption path, not a
 * shortcut).
 */

/** Every layout the simulator sends: the decoder reads them all. */
export type DemoLayout = SimulatorLayout;

export type DemoOptions = {
  readonly layout: DemoLayout;
  readonly intervalMs: number;
  /** The broker's port, or the next free one of the ten after it. */
  readonly mqttPort: number;
};

export type Demo = {
  readonly mqttPort: number;
  readonly topicPrefix: string;
  /** Undefined when the page could not start (said in the log). */
  readonly webPort: number | undefined;
  stop(): Promise<void>;
};

export async function startDemo(
  options: DemoOptions,
  log: Logger,
  onTelegram: (telegram: Telegram) => void,
): Promise<Demo> {
  const broker = await startEmbeddedBroker(options.mqttPort);
  const key = randomBytes(16);
  const authKey = needsAuthKey(options.layout) ? randomBytes(16) : undefined;
  const simulator = new MeterSimulator({
    layout: options.layout,
    key,
    ...(authKey === undefined ? {} : { authKey }),
    intervalMs: options.intervalMs,
  });
  const bridge = new Bridge(
    { keys: { encryptionKey: key, authenticationKey: authKey }, logConsole: false },
    { source: new SimulatorSource(simulator, options.intervalMs), log },
  );
  const mqtt: MqttConfig = {
    url: `mqtt://127.0.0.1:${broker.port}`,
    username: undefined,
    password: undefined,
    caFile: undefined,
    clientId: 'smartmeter-bridge-demo',
    topicPrefix: DEFAULT_TOPIC_PREFIX,
    discoveryPrefix: 'homeassistant',
    birthTopic: 'homeassistant/status',
    discovery: true,
  };
  const output = mqttOutput(bridge, mqtt, 30, log);
  bridge.listen({ telegram: onTelegram });
  const webPort = await freeTcpPort(8099);
  const web = webPage(bridge, output.sink, { port: webPort, host: '127.0.0.1', captureFile: undefined }, log);
  const components = new Components(log);
  try {
    await components.start([output, web, reading(bridge)]);
  } catch (error) {
    await broker.close();
    throw error;
  }
  return {
    mqttPort: broker.port,
    topicPrefix: DEFAULT_TOPIC_PREFIX,
    webPort: web.live === undefined ? undefined : webPort,
    stop: async () => {
      await components.stop();
      await broker.close();
    },
  };
}
