import type { ByteSource, SourceSink } from '../source/byte-source.js';
import type { MeterSimulator } from './meter-simulator.js';

/** The simulator as a byte source, in-process: what `demo` reads instead of a serial adapter. */
export class SimulatorSource implements ByteSource {
  readonly description: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly simulator: MeterSimulator,
    private readonly intervalMs: number,
  ) {
    this.description = `simulated meter (one telegram every ${intervalMs / 1000} s)`;
  }

  start(sink: SourceSink): void {
    sink.event({ kind: 'open', detail: this.description });
    const push = (): void => {
      for (const frame of this.simulator.next()) sink.bytes(frame);
    };
    // The first telegram at once, so a new user sees values without waiting a whole interval.
    setImmediate(push);
    this.timer = setInterval(push, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}
