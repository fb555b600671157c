import { readFileSync } from 'node:fs';
import { runDecode } from './decode.js';
import type { CliIo } from './io.js';

const USAGE = `Usage: smartmeter-bridge <command> [options]

Commands:
  decode [--key HEX] [--auth-key HEX] [FILE|-]   decode captured telegrams to JSON

Run 'smartmeter-bridge <command> --help' for a command's options.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'decode':
      return runDecode(rest, io);
    case '--version':
    case '-v':
      io.stdout(`${version()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`Unknown command '${command}'.\n\n${USAGE}\n`);
      return 2;
  }
}
