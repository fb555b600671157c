import { parseArgs } from 'node:util';
import { readUsbIdentity } from '../source/usb-identity.js';
import type { CliIo } from './io.js';

export const UDEV_USAGE = `Usage: smartmeter-bridge udev-rule [DEVICE] [--name smartmeter]

Prints a udev rule that gives the USB M-Bus adapter a stable name, /dev/<name>, by its USB serial number
(or vendor and product id when it has none), whatever ttyUSB number it gets. DEVICE defaults to /dev/ttyUSB0.
Save the rule and reload udev:
  smartmeter-bridge udev-rule /dev/ttyUSB0 | sudo tee /etc/udev/rules.d/99-smartmeter.rules
  sudo udevadm control --reload && sudo udevadm trigger`;

export async function runUdevRule(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      name: { type: 'string', default: 'smartmeter' },
      'sys-root': { type: 'string' },
      'dev-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help === true) {
    io.stdout(`${UDEV_USAGE}\n`);
    return 0;
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
  io.stdout(
    `# smartmeter-bridge: the M-Bus adapter as /dev/${values.name}\n${match.join(', ')}, SYMLINK+="${values.name}", MODE="0660", GROUP="dialout"\n`,
  );
  return 0;
}
