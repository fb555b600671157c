import { type DemoLayout, startDemo } from '../app/demo.js';
import { waitForSignal } from '../app/signals.js';
import { createLogger } from '../log.js';
import { SIMULATOR_LAYOUTS } from '../simulator/simulator-layouts.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

const DEMO_LAYOUTS: readonly DemoLayout[] = SIMULATOR_LAYOUTS;

export const DEMO_USAGE = `Usage: smartmeter-bridge demo [--layout LAYOUT] [--interval SECONDS] [--port N]

Runs everything with no hardware and nothing installed: a simulated meter sending real encrypted
telegrams, the bridge decoding them, and an MQTT broker on localhost with Home Assistant discovery.
--layout is one of ${DEMO_LAYOUTS.join(', ')} (see simulate --help).
Stop it with Ctrl-C.`;

export async function runDemo(args: readonly string[], io: CliIo): Promise<number> {
  let layout: DemoLayout;
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
    if (!DEMO_LAYOUTS.includes(values.layout as DemoLayout))
      throw new Error(`--layout: one of ${DEMO_LAYOUTS.join(', ')}`);
    layout = values.layout as DemoLayout;
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
  // Fixed decimals, so that the columns stay put while the values change.
  const fixed = (n: unknown, digits: number): string => (typeof n === 'number' ? n.toFixed(digits) : '?');
  const demo = await startDemo({ layout, intervalMs, mqttPort: port }, log, (t) => {
    const v = t.values;
    io.stdout(
      `${t.time ?? ''}  power ${fixed(v.power, 0)} W  import ${fixed(v.energy_in, 3)} kWh  export ${fixed(v.energy_out, 3)} kWh  L1 ${fixed(v.voltage_l1, 1)} V\n`,
    );
  });
  const prefix = demo.topicPrefix;
  io.stdout(
    [
      `smartmeter-bridge demo: a simulated ${layout} meter → decoder → MQTT broker at mqtt://localhost:${demo.mqttPort}`,
      `  state topics:   ${prefix}/<key> (energy_in, power, voltage_l1, …), ${prefix}/json, ${prefix}/status`,
      '  discovery:      homeassistant/device/smartmeter_<meter>/config (point a Home Assistant test instance at this broker)',
      `  watch it:       mosquitto_sub -h localhost -p ${demo.mqttPort} -t '${prefix}/#' -v`,
      '  stop:           Ctrl-C',
      ...(demo.webPort === undefined ? [] : [`  web page:       http://localhost:${demo.webPort}/`]),
      '',
      '',
    ].join('\n'),
  );
  await waitForSignal();
  await demo.stop();
  return 0;
}
