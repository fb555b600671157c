import type { ByteSource, SourceSink } from '../../src/source/byte-source.js';

/** A byte source the test feeds by hand: stands in for the meter's wire, not for any code under test. */
export class PushSource implements ByteSource {
  readonly description = 'test source';
  private sink: SourceSink | undefined;

  start(sink: SourceSink): void {
    this.sink = sink;
    sink.event({ kind: 'open', detail: 'test' });
  }

  push(...chunks: Uint8Array[]): void {
    if (this.sink === undefined) throw new Error('source not started');
    for (const chunk of chunks) this.sink.bytes(chunk);
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }
}
