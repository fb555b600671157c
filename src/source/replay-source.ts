import { readFile } from 'node:fs/promises';
import { HexTextDecoder, looksLikeHexText } from '../bytes/hex.js';
import type { Logger } from '../log.js';
import { MbusFramer } from '../mbus/mbus-framer.js';
import { DLMS_CI_FIN } from '../mbus/segment-reassembler.js';
import type { ByteSource, SourceSink } from './byte-source.js';

/**
 * A capture file played back: raw bytes or hex text. `original` sends one telegram, then waits the
 * meter's interval, as a meter would; `fast` sends everything as quickly as the pipeline takes it.
 */

export type ReplayOptions = {
  readonly file: string;
  readonly pace: 'original' | 'fast';
  readonly intervalMs: number;
};

const FAST_CHUNK = 4096;

export class ReplaySource implements ByteSource {
  readonly description: string;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly options: ReplayOptions,
    private readonly log: Logger,
  ) {
    this.description = `replay of ${options.file} (${options.pace === 'fast' ? 'as fast as possible' : `one telegram every ${options.intervalMs / 1000} s`})`;
  }

  start(sink: SourceSink): void {
    void this.run(sink);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
  }

  private async run(sink: SourceSink): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await readCapture(this.options.file);
    } catch (error) {
      const detail = `cannot replay ${this.options.file}: ${(error as Error).message}`;
      this.log.error(detail);
      sink.event({ kind: 'closed', detail, retryInMs: undefined });
      return;
    }
    sink.event({ kind: 'open', detail: `${this.options.file} (${bytes.length} bytes)` });
    const pieces = this.options.pace === 'fast' ? chunks(bytes, FAST_CHUNK) : telegrams(bytes);
    for (let i = 0; i < pieces.length && !this.stopped; i++) {
      sink.bytes(pieces[i] as Uint8Array);
      const wait = this.options.pace === 'fast' ? undefined : this.options.intervalMs;
      await new Promise<void>((resolve) => {
        this.timer =
          wait === undefined || i === pieces.length - 1 ? setImmediate(resolve) : setTimeout(resolve, wait);
      });
    }
    if (!this.stopped)
      sink.event({ kind: 'end', detail: `${this.options.file}: ${pieces.length} piece(s) replayed` });
  }
}

export async function readCapture(file: string): Promise<Uint8Array> {
  const content = await readFile(file);
  if (!looksLikeHexText(content)) return content;
  const decoder = new HexTextDecoder();
  const bytes = decoder.push(content.toString('latin1'));
  decoder.end();
  return bytes;
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Cuts after each frame with the FIN bit; bytes between frames travel with the telegram after them. */
export function telegrams(bytes: Uint8Array): Uint8Array[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Uint8Array[] = [];
  let start = 0;
  let offset = 0;
  for (const event of new MbusFramer().push(bytes)) {
    if (event.kind !== 'frame' || (event.frame.ciField & DLMS_CI_FIN) === 0) continue;
    // The framer reports frames, not positions; each frame's bytes are found again after the last cut.
    const at = buffer.indexOf(event.frame.raw, offset);
    if (at < 0) continue;
    offset = at + event.frame.raw.length;
    out.push(bytes.subarray(start, offset));
    start = offset;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}
