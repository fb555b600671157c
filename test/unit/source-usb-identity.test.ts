import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findTtyByUsbIdentity, readUsbIdentity } from '../../src/source/usb-identity.js';

/**
 * A /sys and /dev shaped like Linux's for USB serial adapters (FTDI behind a hub), built in a temporary
 * folder: the adapter's identity is read from the USB device folder above the tty's interface.
 */

type Adapter = {
  tty: string;
  usbPath: string;
  vendor: string;
  product: string;
  serial?: string;
  byId?: string;
};

function fakeSystem(adapters: Adapter[]): { sysRoot: string; devRoot: string } {
  const root = mkdtempSync(join(tmpdir(), 'usb-id-'));
  const sysRoot = join(root, 'sys');
  const devRoot = join(root, 'dev');
  mkdirSync(join(sysRoot, 'class', 'tty'), { recursive: true });
  mkdirSync(join(devRoot, 'serial', 'by-id'), { recursive: true });
  for (const a of adapters) {
    const usbDevice = join(sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', a.usbPath);
    const ttyDevice = join(usbDevice, `${a.usbPath}:1.0`, a.tty);
    mkdirSync(join(ttyDevice, 'tty', a.tty), { recursive: true });
    writeFileSync(join(usbDevice, 'idVendor'), `${a.vendor}\n`);
    writeFileSync(join(usbDevice, 'idProduct'), `${a.product}\n`);
    if (a.serial !== undefined) writeFileSync(join(usbDevice, 'serial'), `${a.serial}\n`);
    mkdirSync(join(sysRoot, 'class', 'tty', a.tty));
    symlinkSync(ttyDevice, join(sysRoot, 'class', 'tty', a.tty, 'device'));
    writeFileSync(join(devRoot, a.tty), '');
    if (a.byId !== undefined) symlinkSync(join('..', '..', a.tty), join(devRoot, 'serial', 'by-id', a.byId));
  }
  return { sysRoot, devRoot };
}

const FTDI = { vendor: '0403', product: '6001' };

describe('USB identity of a serial adapter', () => {
  it('is read through the tty and through its by-id link', () => {
    const roots = fakeSystem([
      {
        tty: 'ttyUSB0',
        usbPath: '1-1',
        ...FTDI,
        serial: 'A10KXYZ',
        byId: 'usb-FTDI_FT232R_USB_UART_A10KXYZ-if00-port0',
      },
    ]);
    const expected = { vendorId: '0403', productId: '6001', serialNumber: 'A10KXYZ' };
    assert.deepEqual(readUsbIdentity(join(roots.devRoot, 'ttyUSB0'), roots), expected);
    assert.deepEqual(
      readUsbIdentity(
        join(roots.devRoot, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A10KXYZ-if00-port0'),
        roots,
      ),
      expected,
    );
    assert.equal(readUsbIdentity(join(roots.devRoot, 'ttyUSB9'), roots), undefined);
    rmSync(join(roots.sysRoot, '..'), { recursive: true });
  });

  it('finds the adapter again by its serial number after it re-enumerated as ttyUSB1', () => {
    const roots = fakeSystem([
      { tty: 'ttyUSB0', usbPath: '1-2', ...FTDI, serial: 'OTHER001' },
      { tty: 'ttyUSB1', usbPath: '1-1', ...FTDI, serial: 'A10KXYZ', byId: 'usb-FTDI_A10KXYZ-if00-port0' },
    ]);
    const found = findTtyByUsbIdentity(
      { vendorId: '0403', productId: '6001', serialNumber: 'A10KXYZ' },
      roots,
    );
    assert.equal(
      found,
      join(roots.devRoot, 'serial', 'by-id', 'usb-FTDI_A10KXYZ-if00-port0'),
      'the by-id path is preferred',
    );
  });

  it('finds an adapter without a serial number by VID:PID only when exactly one matches', () => {
    const one = fakeSystem([
      { tty: 'ttyUSB1', usbPath: '1-1', vendor: '1a86', product: '7523' },
      { tty: 'ttyUSB0', usbPath: '1-2', ...FTDI, serial: 'X' },
    ]);
    assert.equal(
      findTtyByUsbIdentity({ vendorId: '1a86', productId: '7523', serialNumber: undefined }, one),
      join(one.devRoot, 'ttyUSB1'),
    );
    const two = fakeSystem([
      { tty: 'ttyUSB0', usbPath: '1-1', vendor: '1a86', product: '7523' },
      { tty: 'ttyUSB1', usbPath: '1-2', vendor: '1a86', product: '7523' },
    ]);
    assert.equal(
      findTtyByUsbIdentity({ vendorId: '1a86', productId: '7523', serialNumber: undefined }, two),
      undefined,
    );
  });

  it('finds nothing when the adapter is not plugged in', () => {
    const roots = fakeSystem([{ tty: 'ttyUSB0', usbPath: '1-2', ...FTDI, serial: 'OTHER001' }]);
    assert.equal(
      findTtyByUsbIdentity({ vendorId: '0403', productId: '6001', serialNumber: 'A10KXYZ' }, roots),
      undefined,
    );
  });
});
