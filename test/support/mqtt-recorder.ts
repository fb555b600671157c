import mqtt, { type MqttClient } from 'mqtt';

/** A subscriber that keeps every message it sees, for checking what the bridge published, message by message. */

export type Recorded = {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  /** Date.now() and performance.now() at arrival. */
  readonly at: number;
  readonly hr: number;
};

export class MqttRecorder {
  readonly messages: Recorded[] = [];
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
      recorder.messages.push({
        topic,
        payload: payload.toString(),
        retain: packet.retain,
        at: Date.now(),
        hr: performance.now(),
      });
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

  /** Waits until `predicate` holds for some message after index `from`; fails after the timeout. */
  async waitFor(
    predicate: (m: Recorded) => boolean,
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<Recorded> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (Date.now() < deadline) {
      const found = this.messages.slice(options.from ?? 0).find(predicate);
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `no matching MQTT message within ${options.timeoutMs ?? 5000} ms; saw ${this.messages.length}: ${this.messages
        .slice(-5)
        .map((m) => `${m.topic}=${m.payload.slice(0, 60)}`)
        .join(', ')}`,
    );
  }

  publish(topic: string, payload: string): Promise<unknown> {
    return this.client.publishAsync(topic, payload);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
