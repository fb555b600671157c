import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A bounded, ordered queue of text lines on disk, so that nothing is lost while InfluxDB is unreachable
 * or the bridge restarts. Lines are appended to numbered segment files; the oldest segment is sent and
 * deleted only after the server accepted it. When the queue holds `maxBytes`, new lines are refused
 * (the caller logs that once) rather than old ones dropped, so what is kept stays gap-free from the start.
 */

const SEGMENT_LINES = 500;
const SEGMENT = /^segment-(\d{10})\.lp$/;

export class DiskQueue {
  private segments: number[];
  private linesInNewest = 0;
  private bytes = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.segments = readdirSync(dir)
      .flatMap((name) => {
        const match = SEGMENT.exec(name);
        return match === null ? [] : [Number(match[1])];
      })
      .sort((a, b) => a - b);
    for (const segment of this.segments) this.bytes += statSync(this.path(segment)).size;
    const newest = this.segments.at(-1);
    if (newest !== undefined) this.linesInNewest = this.read(newest).length;
  }

  get size(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /** False when the queue is full and the line was not kept. */
  push(line: string): boolean {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.bytes + bytes > this.maxBytes) return false;
    let newest = this.segments.at(-1);
    if (newest === undefined || this.linesInNewest >= SEGMENT_LINES) {
      newest = (newest ?? 0) + 1;
      this.segments.push(newest);
      this.linesInNewest = 0;
    }
    appendFileSync(this.path(newest), `${line}\n`);
    this.linesInNewest++;
    this.bytes += bytes;
    return true;
  }

  /** The oldest segment's lines, for sending; `ack` removes them once they were accepted. */
  peek(): { lines: string[]; ack(): void } | undefined {
    const oldest = this.segments[0];
    if (oldest === undefined) return undefined;
    // Sealed while it is in flight: lines that arrive meanwhile go to a new segment, or ack() would
    // delete them with it.
    if (oldest === this.segments.at(-1)) this.linesInNewest = SEGMENT_LINES;
    const lines = this.read(oldest);
    return {
      lines,
      ack: () => {
        if (this.segments[0] !== oldest) return;
        this.bytes -= statSync(this.path(oldest)).size;
        unlinkSync(this.path(oldest));
        this.segments.shift();
        if (this.segments.length === 0) this.linesInNewest = 0;
      },
    };
  }

  private path(segment: number): string {
    return join(this.dir, `segment-${String(segment).padStart(10, '0')}.lp`);
  }

  private read(segment: number): string[] {
    return readFileSync(this.path(segment), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }
}
