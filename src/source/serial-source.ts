import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Logger } from '../log.js';
import type { Backoff, ByteSource, SourceSink } from './byte-source.js';
import { Retry } from './retry.js';
import { type FsRoots, findTtyByUsbIdentity, readUsbIdentity, type UsbIdentity } from './usb-identity.js';

/**
 * The USB M-Bus adapter. It must survive what USB adapters do: vanish when unplugged, come back late,
 * or come back as ttyUSB1 instead of ttyUSB0. Every failure becomes a `closed` event and a retry with
 * backoff; nothing here ends the process.
 */

export type SerialSourceOptions = {
  readonly device: string;
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
  readonly backoff?: Backoff;
} & FsRoots;

export class SerialSource implements ByteSource {
  readonly description: string;
  private port: SerialPort | undefined;
  private sink: SourceSink | undefined;
  private readonly retry: Retry;
  private identity: UsbIdentity | undefined;
  private currentPath: string;
  private stopped = false;

  constructor(
    private readonly options: SerialSourceOptions,
    private readonly log: Logger,
  ) {
    const parity = { none: 'N', even: 'E', odd: 'O' }[options.parity];
    this.description = `serial ${options.device} (${options.baudRate} ${options.dataBits}${parity}${options.stopBits})`;
    this.currentPath = options.device;
    this.retry = new Retry(options.backoff, log);
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retry.cancel();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private pathToOpen(): string {
    const configured = this.options.device;
    if (existsSync(configured) || this.identity === undefined) return configured;
    const found = findTtyByUsbIdentity(this.identity, this.options);
    if (found !== undefined && found !== this.currentPath) this.log.info(`adapter found again as ${found}`);
    return found ?? configured;
  }

  private open(): void {
    if (this.stopped) return;
    const path = this.pathToOpen();
    this.currentPath = path;
    const port = new SerialPort({
      path,
      baudRate: this.options.baudRate,
      parity: this.options.parity,
      dataBits: this.options.dataBits,
      stopBits: this.options.stopBits,
      // At 2400 baud a read returns at most a few hundred bytes; the default 64 KiB read pool would be
      // pinned by every chunk still referenced and makes up most of the bridge's external memory.
      highWaterMark: 4096,
      autoOpen: false,
    });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.sink?.bytes(chunk));
    port.on('error', (error) => this.lost(port, error.message));
    port.on('close', () => this.lost(port, 'the port closed (adapter unplugged?)'));
    port.open((error) => {
      if (error) {
        this.lost(port, error.message);
        return;
      }
      if (this.stopped) {
        port.close();
        return;
      }
      this.retry.succeeded();
      this.identity = readUsbIdentity(path, this.options) ?? this.identity;
      const id = this.identity;
      const usb =
        id === undefined
          ? ''
          : ` (USB ${id.vendorId}:${id.productId}${id.serialNumber === undefined ? '' : ` serial ${id.serialNumber}`})`;
      this.log.info(`opened ${path}${usb}`);
      this.sink?.event({ kind: 'open', detail: `${path}${usb}` });
    });
  }

  /** Called for error and close alike (both may fire for one loss): only the current port counts, once. */
  private lost(port: SerialPort, reason: string): void {
    if (this.stopped || port !== this.port) return;
    this.port = undefined;
    port.removeAllListeners('data');
    if (port.isOpen) port.close(() => {});
    const delay = this.retry.schedule(this.currentPath, reason, () => this.open());
    this.sink?.event({ kind: 'closed', detail: reason, retryInMs: delay });
  }
}
