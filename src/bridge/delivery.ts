/**
 * What the MQTT output has delivered, as the other outputs (the web page, /metrics) show it. They read it
 * through this type, so that none of them needs MQTT: the MQTT sink implements it and the app hands it on.
 */
export type Delivery = {
  /** Connected to the broker now. */
  readonly connected: boolean;
  readonly reconnects: number;
  /** Telegrams whose values went out to a connected broker. */
  readonly telegramsPublished: number;
};

/** No broker at all: what a page or /metrics without an MQTT output shows. */
export const NO_DELIVERY: Delivery = { connected: false, reconnects: 0, telegramsPublished: 0 };
