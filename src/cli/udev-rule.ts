import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { readUsbIdentity } from '../source/usb-identity.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

export const UDEV_USAGE = `Usage: smartmeter-bridge udev-rule [DEVICE] [--name smartmeter] [--output FILE]

Makes a udev rule that gives the USB M-Bus adapter a stable name, /dev/<name>, by its USB serial number
(or vendor and product id when it has none), whatever ttyUSB number it gets. DEVICE defaults to /dev/ttyUSB0.
It prints the rule, or with --output writes it to FILE; when the adapter cannot be found it writes nothing
and exits 1. Save the rule and reload udev (a pipe into "sudo tee" would empty the file before that check):
  npx smartmeter-bridge udev-rule /dev/ttyUSB0 --output 99-smartmeter.rules &&
    sudo install -m 644 99-smartmeter.rules /etc/udev/rules.d/
  sudo udevadm control --reload && sudo udevadm trigger`;

function parse(args: readonly string[]) {
  return parseCommandArgs(
    'udev-rule',
    args,
    {
      name: { type: 'string', default: 'smartmeter' },
      output: { type: 'string', short: 'o' },
      'sys-root': { type: 'string' },
      'dev-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
}

export async function runUdevRule(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(`${UDEV_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) {
    io.stderr(
      `${positionals[1]}: unexpected argument; udev-rule takes one DEVICE (see smartmeter-bridge udev-rule --help)\n`,
    );
    return 2;
  }
  const device = positionals[0] ?? '/dev/ttyUSB0';
  if (!/^[A-Za-z0-9_-]+$/.test(values.name)) {
    io.stderr('--name: letters, digits, - and _ only\n');
    return 2;
  }
  const roots = {
    ...(values['sys-root'] === undefined ? {} : { sysRoot: values['sys-root'] }),
    ...(values['dev-root'] === undefined ? {} : { devRoot: values['dev-root'] }),
  };
  const id = readUsbIdentity(device, roots);
  if (id === undefined) {
    io.stderr(`${device} is not a USB serial adapter that this machine can see (is it plugged in?)\n`);
    return 1;
  }
  const match = [
    `SUBSYSTEM=="tty"`,
    `ATTRS{idVendor}=="${id.vendorId}"`,
    `ATTRS{idProduct}=="${id.productId}"`,
  ];
  if (
    id.serialNumber !== undefined &&
    /^[\x21-\x7e]+$/.test(id.serialNumber) &&
    !id.serialNumber.includes('"')
  ) {
    match.push(`ATTRS{serial}=="${id.serialNumber}"`);
  } else {
    io.stderr('warning: this adapter has no serial number; the rule matches any adapter of the same type\n');
  }
  const rule = `# smartmeter-bridge: the M-Bus adapter as /dev/${values.name}\n${match.join(', ')}, SYMLINK+="${values.name}", MODE="0660", GROUP="dialout"\n`;
  if (values.output === undefined) {
    io.stdout(rule);
    return 0;
  }
  // Written beside the target and renamed over it: FILE is either the whole rule or untouched.
  const temporary = `${values.output}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, rule, { mode: 0o644 });
    renameSync(temporary, values.output);
  } catch (error) {
    rmSync(temporary, { force: true });
    io.stderr(
      `cannot write ${values.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`,
    );
    return 1;
  }
  io.stderr(`wrote the rule for /dev/${values.name} to ${values.output}\n`);
  return 0;
}
