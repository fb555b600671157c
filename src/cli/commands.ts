import { VERSION } from '../version.js';
import type { CliIo } from './io.js';

// Each command is loaded only when it runs: the 24/7 bridge should not carry the demo's MQTT broker
// or the simulator in its memory.
const runBridge = async (args: readonly string[], io: CliIo): Promise<number> =>
  (await import('./run.js')).runBridge(args, io);
const runDemo = async (args: readonly string[], io: CliIo): Promise<number> =>
  (await import('./demo.js')).runDemo(args, io);
const runDecode = async (args: readonly string[], io: CliIo): Promise<number> =>
  (await import('./decode.js')).runDecode(args, io);
const runUdevRule = async (args: readonly string[], io: CliIo): Promise<number> =>
  (await import('./udev-rule.js')).runUdevRule(args, io);
const runSimulate = async (args: readonly string[], io: CliIo): Promise<number> =>
  (await import('./simulate.js')).runSimulate(args, io);

const USAGE = `Usage: smartmeter-bridge <command> [options]

Commands:
  run [options]                                  the bridge: meter → MQTT / Home Assistant (see run --help)
  demo                                           simulated meter + bridge + MQTT broker, no hardware needed
  simulate --key HEX (--pty | --tcp-listen PORT | --out FILE)  a virtual meter writing encrypted telegrams
  udev-rule [DEVICE] [--name smartmeter]         a udev rule for a stable /dev/smartmeter (Raspberry Pi without containers)
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
    case 'udev-rule':
      return runUdevRule(rest, io);
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
