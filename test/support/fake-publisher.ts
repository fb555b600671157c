import type { Publisher, PublisherEvents, PublishOptions } from '../../src/mqtt/publisher.js';

export type Sent = { readonly topic: string; readonly payload: string; readonly options: PublishOptions };

/**
 * A broker connection under the test's hand, for the MQTT sink's unit tests: connected on start (or when
 * told), it keeps every message it is given; disconnected, it drops them as MqttPublisher does.
 */
export class FakePublisher implements Publisher {
  connected = false;
  reconnects = 0;
  readonly sent: Sent[] = [];
  stopped = false;
  private events: PublisherEvents | undefined;

  constructor(private readonly connectOnStart = true) {}

  start(events: PublisherEvents): void {
    this.events = events;
    if (this.connectOnStart) this.connect();
  }

  /** Connected (again): the sink publishes availability, discovery and its latest state. */
  connect(): void {
    this.connected = true;
    this.events?.onConnected();
  }

  /** Home Assistant's birth message arrived. */
  birth(): void {
    this.events?.onBirth();
  }

  publish(topic: string, payload: string, options: PublishOptions): boolean {
    if (!this.connected) return false;
    this.sent.push({ topic, payload, options });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** The payloads sent to `topic`, in order. */
  on(topic: string): string[] {
    return this.sent.filter((m) => m.topic === topic).map((m) => m.payload);
  }
}
