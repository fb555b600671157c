import type { Logger } from '../log.js';

/**
 * One part of the running bridge (the source, an output, the crash reporter), as the composition root starts
 * and stops it: started in the order given, stopped in reverse, so that the source stops before the outputs it
 * feeds and MQTT says `offline` after everything else has been sent.
 */
export type Component = {
  /** For the log, e.g. `web page`. */
  readonly name: string;
  /** What a failed start costs. */
  readonly failure: FailurePolicy;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
};

/**
 * `fatal`: the whole start (an MQTT CA file that cannot be read: nothing could be published). The components
 * already started are stopped, and the start fails with the error, whose message is the one line to show.
 * `without`: this component only (a web page whose port is taken costs the page, not the data): `say` gives
 * the error line, and the others run on.
 */
export type FailurePolicy = 'fatal' | { readonly without: (error: Error) => string };

export class Components {
  private readonly started: Component[] = [];

  constructor(private readonly log: Logger) {}

  /** Starts each in turn; rejects, with everything started stopped again, when a fatal one fails. */
  async start(components: readonly Component[]): Promise<void> {
    for (const component of components) {
      try {
        await component.start();
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown));
        if (component.failure === 'fatal') {
          await this.stop();
          throw error;
        }
        this.log.error(component.failure.without(error));
        continue;
      }
      this.started.push(component);
    }
  }

  /** Stops what was started, last first; one that fails to stop does not keep the others running. */
  async stop(): Promise<void> {
    for (let component = this.started.pop(); component !== undefined; component = this.started.pop()) {
      try {
        await component.stop();
      } catch (error) {
        this.log.warn(`${component.name} did not stop cleanly: ${(error as Error).message}`);
      }
    }
  }
}
