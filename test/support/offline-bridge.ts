import { Bridge } from '../../src/bridge/bridge.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import type { ByteSource } from '../../src/source/byte-source.js';

/**
 * A real bridge whose MQTT broker is unreachable (a closed port, retried only once a minute): for tests of
 * what else the bridge feeds (InfluxDB, /metrics, Home Assistant's API), which must not depend on MQTT.
 */
export function bridgeWithoutBroker(key: Uint8Array, source: ByteSource, log: Logger = silentLogger): Bridge {
  const mqtt = new MqttPublisher(
    {
      url: 'mqtt://127.0.0.1:1',
      username: undefined,
      password: undefined,
      caFile: undefined,
      clientId: 'offline',
      statusTopic: 'offline/status',
      birthTopic: undefined,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    },
    silentLogger,
  );
  return new Bridge(
    {
      keys: { encryptionKey: key },
      topicPrefix: 'offline',
      discoveryPrefix: 'homeassistant',
      discovery: false,
      staleTimeoutS: 30,
      logConsole: false,
    },
    { source, mqtt, log },
  );
}
