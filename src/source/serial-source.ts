import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SerialPort } from 'serialport';
import type { Logger } from '../log.js';
import { AdapterWatch } from './adapter-watch.js';
import type { Backoff, ByteSource, SourceSink } from './byte-source.js';
import { type PollReader, startPollReader } from './poll-reader.js';
import { ReadPacing } from './read-pacing.js';
import { Retry } from './retry.js';
import { type FsRoots, findTtyByUsbIdentity, readUsbIdentity, type UsbIdentity } from './usb-identity.js';

/**
 * The USB M-Bus adapter. It must survive what USB adapters do: vanish when unplugged, come back late,
 * or come back as ttyUSB1 instead of ttyUSB0. Every failure becomes a `closed` event and a retry with
 * backoff; while it waits, an AdapterWatch reopens at once when the adapter appears again. Once the
 * adapter's USB identity is known, a configured path that now leads to another adapter is not opened.
 * Nothing here ends the process.
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
  private watch: AdapterWatch | undefined;
  private reader: PollReader | undefined;
  /** The last "the configured path is another adapter now" warning, so that it is logged once. */
  private mismatch: string | undefined;
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
    this.watch?.close();
    this.reader?.stop();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /**
   * The configured path; when it is gone, the adapter's new name found by its USB identity. Undefined when
   * the configured path leads to another adapter now and ours is nowhere: never open someone else's.
   */
  private pathToOpen(): string | undefined {
    const configured = this.options.device;
    const known = this.identity;
    if (known === undefined) return configured;
    let other = false;
    if (existsSync(configured)) {
      const now = readUsbIdentity(configured, this.options);
      if (now === undefined || sameAdapter(now, known)) {
        this.mismatch = undefined;
        return configured;
      }
      other = true;
      const message = `${configured} is now ${usbText(now)}, no longer ${usbText(known)}`;
      if (message !== this.mismatch) {
        this.log.warn(
          `${message}; not opening it, looking for ${usbText(known)} instead (restart the bridge if the adapters were swapped on purpose)`,
        );
        this.mismatch = message;
      }
    }
    const found = findTtyByUsbIdentity(known, this.options);
    if (found !== undefined && found !== this.currentPath) this.log.info(`adapter found again as ${found}`);
    return found ?? (other ? undefined : configured);
  }

  private open(): void {
    if (this.stopped) return;
    this.openAt(this.pathToOpen());
  }

  /** From the AdapterWatch: reopen now, not when the retry timer fires, if the adapter is there. */
  private appeared(): void {
    if (this.stopped || this.port !== undefined) return;
    const path = this.pathToOpen();
    if (path === undefined || !existsSync(path)) return;
    this.log.debug(`${path} appeared; reopening without waiting for the retry timer`);
    this.retry.cancel();
    this.openAt(path);
  }

  private openAt(path: string | undefined): void {
    this.watch?.close();
    this.watch = undefined;
    if (path === undefined) {
      this.waitAndRetry(`${this.options.device} is another adapter now`);
      return;
    }
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
      const { baudRate, dataBits, parity, stopBits } = this.options;
      this.reader =
        startPollReader(
          port,
          {
            bytes: (chunk) => this.sink?.bytes(chunk),
            lost: (reason) => this.lost(port, reason),
            awaited: () => this.sink?.awaited?.() ?? 0,
          },
          ReadPacing.byteMs(baudRate, dataBits, parity !== 'none', stopBits),
        ) ?? streamReader(port, (chunk) => this.sink?.bytes(chunk));
      this.identity = readUsbIdentity(path, this.options) ?? this.identity;
      const usb = this.identity === undefined ? '' : ` (${usbText(this.identity)})`;
      this.log.info(`opened ${path}${usb}`);
      this.sink?.event({ kind: 'open', detail: `${path}${usb}` });
    });
  }

  /** Called for error and close alike (both may fire for one loss): only the current port counts, once. */
  private lost(port: SerialPort, reason: string): void {
    if (this.stopped || port !== this.port) return;
    this.port = undefined;
    this.reader?.stop();
    this.reader = undefined;
    port.removeAllListeners('data');
    if (port.isOpen) port.close(() => {});
    this.waitAndRetry(reason);
  }

  /** The retry timer, and meanwhile the folders where the adapter (or, by its identity, its new name) appears. */
  private waitAndRetry(reason: string): void {
    const delay = this.retry.schedule(this.currentPath, reason, () => this.open());
    const devRoot = this.options.devRoot ?? '/dev';
    const folders = [dirname(this.options.device)];
    if (this.identity !== undefined) folders.push(join(devRoot, 'serial', 'by-id'), devRoot);
    this.watch = new AdapterWatch(folders, () => this.appeared(), this.log);
    this.sink?.event({ kind: 'closed', detail: reason, retryInMs: delay });
  }
}

/** serialport's own stream, where no poller can be had (Windows). */
function streamReader(port: SerialPort, onBytes: (chunk: Uint8Array) => void): PollReader {
  const listener = (chunk: Buffer): void => onBytes(chunk);
  port.on('data', listener);
  return { stop: () => port.off('data', listener) };
}

function sameAdapter(a: UsbIdentity, b: UsbIdentity): boolean {
  return a.vendorId === b.vendorId && a.productId === b.productId && a.serialNumber === b.serialNumber;
}

function usbText(id: UsbIdentity): string {
  return `USB ${id.vendorId}:${id.productId}${id.serialNumber === undefined ? '' : ` serial ${id.serialNumber}`}`;
}
