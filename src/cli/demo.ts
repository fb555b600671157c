import { randomBytes } from 'node:crypto';
import { Bridge } from '../bridge/bridge.js';
import { PUSH_LAYOUTS, type PushLayout } from '../encode/push-layouts.js';
import { createLogger } from '../log.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { DEFAULT_TOPIC_PREFIX, statusTopic } from '../mqtt/topics.js';
import { MeterSimulator } from '../simulator/meter-simulator.js';
import { SimulatorSource } from '../simulator/simulator-source.js';
import { freeTcpPort } from '../web/free-port.js';
import { startWebServer } from '../web/web-server.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { waitForSignal } from './signals.js';

export const DEMO_USAGE = `Usage: smartmeter-bridge demo [--layout ksm-west|ksm-west-1phase|evn|t210d] [--interval SECONDS] [--port N]

Runs everything with no hardware and nothing installed: a simulated meter sending real encrypted
telegrams, the bridge decoding them, and an MQTT broker on localhost with Home Assistant discovery.
Stop it with Ctrl-C.`;

export async function runDemo(args: readonly string[], io: CliIo): Promise<number> {
  let layout: PushLayout;
  let intervalMs: number;
  let port: number;
  try {
    const { values } = parseCommandArgs(
      'demo',
      args,
      {
        layout: { type: 'string', default: 'ksm-west' },
        interval: { type: 'string', default: '5' },
        port: { type: 'string', default: '1883' },
        help: { type: 'boolean', short: 'h' },
      },
      false,
    );
    if (values.help === true) {
      io.stdout(`${DEMO_USAGE}\n`);
      return 0;
    }
    if (!PUSH_LAYOUTS.includes(values.layout as PushLayout))
      throw new Error(`--layout: one of ${PUSH_LAYOUTS.join(', ')}`);
    layout = values.layout as PushLayout;
    intervalMs = Number(values.interval) * 1000;
    if (!(intervalMs >= 100 && intervalMs <= 3_600_000))
      throw new Error('--interval: seconds between telegrams, 0.1 to 3600');
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error('--port: a TCP port, 1 to 65535');
  } catch (error) {
    const message = (error as Error).message;
    io.stderr(error instanceof UsageError ? `${message}\n` : `${message}\n\n${DEMO_USAGE}\n`);
    return 2;
  }

  const log = createLogger({ level: 'info', writer: { write: io.stderr, isTTY: io.stderrIsTTY } });
  const broker = await startEmbeddedBroker(port);
  // A fresh random key each run: the demo shows the real decryption path, not a shortcut.
  const key = randomBytes(16);
  const simulator = new MeterSimulator({ layout, key, intervalMs });
  const prefix = DEFAULT_TOPIC_PREFIX;
  const mqtt = new MqttPublisher(
    {
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: undefined,
      password: undefined,
      caFile: undefined,
      clientId: 'smartmeter-bridge-demo',
      statusTopic: statusTopic(prefix),
      birthTopic: 'homeassistant/status',
    },
    log.child('mqtt'),
  );
  const bridge = new Bridge(
    {
      keys: { encryptionKey: key },
      topicPrefix: prefix,
      discoveryPrefix: 'homeassistant',
      discovery: true,
      staleTimeoutS: 30,
      logConsole: false,
    },
    { source: new SimulatorSource(simulator, intervalMs), mqtt, log },
  );
  // Fixed decimals, so that the columns stay put while the values change.
  const fixed = (n: unknown, digits: number): string => (typeof n === 'number' ? n.toFixed(digits) : '?');
  bridge.listen({
    telegram: (t) => {
      const v = t.values;
      io.stdout(
        `${t.time ?? ''}  power ${fixed(v.power, 0)} W  import ${fixed(v.energy_in, 3)} kWh  export ${fixed(v.energy_out, 3)} kWh  L1 ${fixed(v.voltage_l1, 1)} V\n`,
      );
    },
  });

  io.stdout(
    [
      `smartmeter-bridge demo: a simulated ${layout} meter → decoder → MQTT broker at mqtt://localhost:${broker.port}`,
      `  state topics:   ${prefix}/<key> (energy_in, power, voltage_l1, …), ${prefix}/json, ${prefix}/status`,
      '  discovery:      homeassistant/device/smartmeter_<meter>/config (point a Home Assistant test instance at this broker)',
      `  watch it:       mosquitto_sub -h localhost -p ${broker.port} -t '${prefix}/#' -v`,
      '  stop:           Ctrl-C',
      '',
    ].join('\n'),
  );
  bridge.start();
  const web = await startWebServer(
    bridge,
    { port: await freeTcpPort(8099), host: '127.0.0.1', captureFile: undefined },
    log.child('http'),
  );
  io.stdout(`  web page:       http://localhost:${web.port}/\n\n`);
  await waitForSignal();
  await web.close();
  await bridge.stop();
  await broker.close();
  return 0;
}
