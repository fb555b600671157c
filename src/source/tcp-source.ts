import { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { Backoff, ByteSource, SourceSink } from './byte-source.js';
import { Retry } from './retry.js';

/** A TCP serial bridge (ser2net, an ESP with a serial-to-TCP firmware): connect, and reconnect with backoff. */
export class TcpSource implements ByteSource {
  readonly description: string;
  private socket: Socket | undefined;
  private sink: SourceSink | undefined;
  private readonly retry: Retry;
  private stopped = false;

  constructor(
    private readonly options: { readonly host: string; readonly port: number; readonly backoff?: Backoff },
    private readonly log: Logger,
  ) {
    this.description = `tcp://${options.host}:${options.port}`;
    this.retry = new Retry(options.backoff, log);
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retry.cancel();
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
      this.retry.succeeded();
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
    const delay = this.retry.schedule(this.description, reason, () => this.connect());
    this.sink?.event({ kind: 'closed', detail: reason, retryInMs: delay });
  }
}
