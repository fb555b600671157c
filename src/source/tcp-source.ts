import { Socket } from 'node:net';
import type { Logger } from '../log.js';
import {
  type Backoff,
  type ByteSource,
  backoffDelay,
  DEFAULT_BACKOFF,
  type SourceSink,
} from './byte-source.js';

/** A TCP serial bridge (ser2net, an ESP with a serial-to-TCP firmware): connect, and reconnect with backoff. */
export class TcpSource implements ByteSource {
  readonly description: string;
  private socket: Socket | undefined;
  private sink: SourceSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  private lostReported = false;

  constructor(
    private readonly options: { readonly host: string; readonly port: number; readonly backoff?: Backoff },
    private readonly log: Logger,
  ) {
    this.description = `tcp://${options.host}:${options.port}`;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new Socket();
    this.socket = socket;
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.sink?.bytes(chunk));
    socket.once('connect', () => {
      this.attempt = 0;
      this.lostReported = false;
      this.log.info(`connected to ${this.description}`);
      this.sink?.event({ kind: 'open', detail: this.description });
    });
    let reason = 'the connection closed';
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reason = error.code === 'ECONNREFUSED' ? 'connection refused' : error.message;
    });
    socket.once('close', () => this.lost(socket, reason));
    socket.connect(this.options.port, this.options.host);
  }

  private lost(socket: Socket, reason: string): void {
    if (this.stopped || socket !== this.socket) return;
    this.socket = undefined;
    const delay = backoffDelay(this.options.backoff ?? DEFAULT_BACKOFF, this.attempt++);
    const message = `${this.description}: ${reason}; retrying in ${(delay / 1000).toFixed(1)} s`;
    if (this.lostReported) this.log.debug(message);
    else this.log.warn(message);
    this.lostReported = true;
    this.sink?.event({ kind: 'closed', detail: reason, retryInMs: delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
