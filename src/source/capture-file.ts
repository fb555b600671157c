import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from '../log.js';

/**
 * Every raw byte received, appended to a file: for bug reports (`decode` reads it) and for `--replay`.
 * A write failure (disk full, no permission) is logged once and capturing stops; the bridge goes on.
 */
export class CaptureFile {
  private stream: WriteStream | undefined;

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {
    const stream = createWriteStream(path, { flags: 'a' });
    stream.on('error', (error) => {
      if (this.stream === undefined) return;
      this.stream = undefined;
      this.log.error(`capture to ${path} stopped: ${error.message}`);
    });
    this.stream = stream;
  }

  append(chunk: Uint8Array): void {
    // A copy: the source may reuse the chunk's memory before the write happens.
    this.stream?.write(Buffer.from(chunk));
  }

  close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream === undefined) return Promise.resolve();
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}
