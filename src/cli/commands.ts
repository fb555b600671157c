import { VERSION } from '../version.js';
import { runDecode } from './decode.js';
import { runDemo } from './demo.js';
import type { CliIo } from './io.js';
import { runBridge } from './run.js';
import { runSimulate } from './simulate.js';

const USAGE = `Usage: smartmeter-bridge <command> [options]

Commands:
  run [options]                                  the bridge: meter → MQTT / Home Assistant (see run --help)
  demo                                           simulated meter + bridge + MQTT broker, no hardware needed
  simulate --key HEX (--pty | --tcp-listen PORT | --out FILE)  a virtual meter writing encrypted telegrams
  decode [--key HEX] [--auth-key HEX] [FILE|-]   decode captured telegrams to JSON

Run 'smartmeter-bridge <command> --help' for a command's options.`;

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'decode':
      return runDecode(rest, io);
    case 'run':
      return runBridge(rest, io);
    case 'demo':
      return runDemo(rest, io);
    case 'simulate':
      return runSimulate(rest, io);
    case '--version':
    case '-v':
      io.stdout(`${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      // The old project took its flags without a command: `… --serial_key X --mqtt_server Y` still runs the bridge.
      if (command.startsWith('--')) return runBridge(args, io);
      io.stderr(`Unknown command '${command}'.\n\n${USAGE}\n`);
      return 2;
  }
}
