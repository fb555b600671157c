import mqtt, { type MqttClient } from 'mqtt';
import { failureBound } from './wait.js';

/** A subscriber that keeps every message it sees, for checking what the bridge published, message by message. */

export type Recorded = {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  /** Date.now() and performance.now() at arrival. */
  readonly at: number;
  readonly hr: number;
};

type Waiter = {
  readonly from: number;
  readonly predicate: (m: Recorded) => boolean;
  readonly resolve: (m: Recorded) => void;
};

export class MqttRecorder {
  readonly messages: Recorded[] = [];
  private waiters: Waiter[] = [];
  private constructor(private readonly client: MqttClient) {}

  static async connect(
    url: string,
    topics: string[],
    auth: { username: string; password: string; ca?: Buffer },
  ): Promise<MqttRecorder> {
    const client = await mqtt.connectAsync(url, {
      ...auth,
      reconnectPeriod: 100,
      clientId: `recorder-${process.pid}-${Math.random()}`,
    });
    const recorder = new MqttRecorder(client);
    client.on('message', (topic, payload, packet) => {
      const message: Recorded = {
        topic,
        payload: payload.toString(),
        retain: packet.retain,
        at: Date.now(),
        hr: performance.now(),
      };
      recorder.messages.push(message);
      recorder.notify(message);
    });
    client.on('connect', () => {
      void client.subscribeAsync(topics, { qos: 1 });
    });
    await client.subscribeAsync(topics, { qos: 1 });
    return recorder;
  }

  on(topic: string): Recorded[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  last(topic: string): Recorded | undefined {
    return this.on(topic).at(-1);
  }

  /**
   * The first message after index `from` for which `predicate` holds: resolved by the message's arrival, not by
   * polling. `timeoutMs` only bounds a wait that will never end (never below the failure bound of wait.ts).
   */
  async waitFor(
    predicate: (m: Recorded) => boolean,
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<Recorded> {
    const found = this.messages.slice(options.from ?? 0).find(predicate);
    if (found !== undefined) return found;
    const bound = failureBound(options.timeoutMs);
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Recorded>((resolve, reject) => {
        waiter = { from: options.from ?? 0, predicate, resolve };
        this.waiters.push(waiter);
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching MQTT message within ${bound} ms; saw ${this.messages.length}: ${this.messages
                  .slice(-5)
                  .map((m) => `${m.topic}=${m.payload.slice(0, 60)}`)
                  .join(', ')}`,
              ),
            ),
          bound,
        );
      });
    } finally {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
  }

  private notify(message: Recorded): void {
    const index = this.messages.length - 1;
    for (const waiter of this.waiters)
      if (index >= waiter.from && waiter.predicate(message)) waiter.resolve(message);
  }

  publish(topic: string, payload: string): Promise<unknown> {
    return this.client.publishAsync(topic, payload);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
