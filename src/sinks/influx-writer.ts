import type { Bridge } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import { httpRequest } from '../net/http-client.js';
import { DiskQueue } from './disk-queue.js';
import { toLineProtocol } from './line-protocol.js';

/**
 * InfluxDB v2 output without Telegraf: every telegram becomes one point, queued on disk and written to
 * `/api/v2/write` in order. While the server is unreachable the queue grows (bounded) and is drained, oldest
 * first, when it answers again; a batch leaves the queue only after a 2xx.
 */

export type InfluxOptions = {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly queueDir: string;
  readonly maxQueueBytes: number;
  readonly retryMs?: { initial: number; max: number };
};

export class InfluxWriter {
  private readonly queue: DiskQueue;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private delay: number;
  private fullReported = false;
  private downSince: number | undefined;
  private stopped = false;
  written = 0;

  constructor(
    bridge: Bridge,
    private readonly options: InfluxOptions,
    private readonly log: Logger,
  ) {
    this.queue = new DiskQueue(options.queueDir, options.maxQueueBytes);
    this.delay = options.retryMs?.initial ?? 1000;
    if (!this.queue.isEmpty)
      log.info(`InfluxDB queue holds ${this.queue.size} bytes from before; sending them first`);
    bridge.listen({
      telegram: (t) => {
        for (const line of toLineProtocol(t, Date.now())) this.enqueue(line);
      },
    });
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private enqueue(line: string): void {
    if (!this.queue.push(line)) {
      if (!this.fullReported) {
        this.log.error(
          `InfluxDB queue is full (${this.options.maxQueueBytes} bytes in ${this.options.queueDir}): new telegrams are not stored until InfluxDB takes the backlog`,
        );
      }
      this.fullReported = true;
      return;
    }
    this.fullReported = false;
    if (!this.sending && this.downSince === undefined) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), ms);
  }

  private async drain(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      for (let batch = this.queue.peek(); batch !== undefined && !this.stopped; batch = this.queue.peek()) {
        const problem = await this.send(batch.lines);
        if (problem !== undefined) {
          if (this.downSince === undefined)
            this.log.warn(`InfluxDB: ${problem}; telegrams are kept on disk and sent when it answers again`);
          this.downSince ??= Date.now();
          this.schedule(this.delay);
          this.delay = Math.min(this.delay * 2, this.options.retryMs?.max ?? 60_000);
          return;
        }
        batch.ack();
        this.written += batch.lines.length;
        if (this.downSince !== undefined)
          this.log.info(
            `InfluxDB answers again after ${Math.round((Date.now() - this.downSince) / 1000)} s; sending the backlog`,
          );
        this.downSince = undefined;
        this.delay = this.options.retryMs?.initial ?? 1000;
      }
    } finally {
      this.sending = false;
    }
  }

  /** undefined on success, otherwise why not. */
  private async send(lines: readonly string[]): Promise<string | undefined> {
    const url = new URL('/api/v2/write', this.options.url);
    url.searchParams.set('org', this.options.org);
    url.searchParams.set('bucket', this.options.bucket);
    url.searchParams.set('precision', 'ms');
    try {
      const response = await httpRequest(url, {
        method: 'POST',
        headers: {
          Authorization: `Token ${this.options.token}`,
          'Content-Type': 'text/plain; charset=utf-8',
        },
        body: `${lines.join('\n')}\n`,
        timeoutMs: 10_000,
        maxBodyBytes: 200,
      });
      if (response.ok) return undefined;
      return `HTTP ${response.status} ${response.body}`;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
  }
}
