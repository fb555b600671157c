/**
 * The broker connection as the MQTT sink uses it: MqttPublisher (MQTT.js) in the app, a fake in the sink's
 * unit tests. It never blocks the data path: while the broker is away, publish() drops the message and says
 * so, and the sink sends the latest state again once `onConnected` says the connection is back.
 */

export type PublishOptions = { readonly retain: boolean; readonly qos?: 0 | 1 };

export type PublisherEvents = {
  /** Connected (first time or again): publish availability, discovery and the latest state now. */
  onConnected(): void;
  /** Home Assistant's birth message (`online` on its status topic): it (re)started and wants discovery again. */
  onBirth(): void;
};

export type Publisher = {
  readonly connected: boolean;
  /** Reconnect attempts so far. */
  readonly reconnects: number;
  start(events: PublisherEvents): void;
  /** False when not connected: the message is dropped (the caller keeps the latest state). */
  publish(topic: string, payload: string, options: PublishOptions): boolean;
  /** Publishes `offline` when connected, and disconnects. */
  stop(): Promise<void>;
};
