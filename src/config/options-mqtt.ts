import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { DEFAULT_TOPIC_PREFIX } from '../mqtt/topics.js';
import { integer, option } from './option-row.js';

/** The options table's rows for MQTT, Home Assistant's discovery and the status page (see options.ts). */

/** The lowest stale timeout (and so expire_after) accepted: the meters push every 5 s, some every 10 or 15 s. */
export const MIN_STALE_TIMEOUT_S = 30;
const MAX_STALE_TIMEOUT_S = 3600;

/** MQTT topic names for our prefixes: no wildcards, no NUL, no empty level at either end. */
const topic = z
  .string()
  .check(
    z.refine((t) => t !== '' && !/[#+]/.test(t) && !t.includes(String.fromCharCode(0)) && !/^\/|\/$/.test(t)),
  );
const TOPIC_EXPECTED = 'a topic without + or # and without a leading or trailing /';
/** An IP address or a host name (`localhost`) for the status page to listen on. */
const listenAddress = z
  .string()
  .check(
    z.refine(
      (t) => isIP(t) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(t),
    ),
  );

export const MQTT_OPTIONS = {
  mqtt_url: option({
    group: 'mqtt',
    arg: 'URL',
    flags: ['mqtt-url'],
    env: 'MQTT_URL',
    option: 'mqtt_url',
    help: 'the broker as mqtt://HOST:PORT or mqtts://HOST:PORT (TLS), instead of its host and port apart',
    // A user name and password in the URL are not shown.
    summary: (c) =>
      `mqtt ${c.mqtt.url.replace(/\/\/[^@/]*@/, '//…@')}${c.mqtt.username === undefined ? '' : ` as ${c.mqtt.username}${c.mqtt.password === undefined ? '' : ' (password ***)'}`}`,
  }),
  mqtt_host: option({
    group: 'mqtt',
    arg: 'HOST',
    python: { flag: 'mqtt_server', env: true },
    env: 'MQTT_SERVER',
    option: 'mqtt_host',
    addon: 'str?',
    default: 'localhost',
    help: "the broker's host name, or an mqtt:// or mqtts:// URL",
  }),
  mqtt_port: option({
    group: 'mqtt',
    arg: 'N',
    python: { flag: 'mqtt_port', env: true },
    env: 'MQTT_PORT',
    option: 'mqtt_port',
    addon: 'port?',
    schema: integer(1, 65535),
    expected: 'expected a port number 1-65535',
    default: 1883,
    help: "the broker's port; 8883 for an mqtts:// host",
  }),
  mqtt_user: option({
    group: 'mqtt',
    arg: 'USER',
    flags: ['mqtt-user'],
    python: { flag: 'mqtt_user', env: true },
    env: 'MQTT_USER',
    option: 'mqtt_user',
    addon: 'str?',
    help: 'the user name at the broker',
  }),
  mqtt_password: option({
    group: 'mqtt',
    arg: 'PASSWORD',
    flags: ['mqtt-password'],
    python: { flag: 'mqtt_passwd', env: true },
    env: 'MQTT_PASSWD',
    option: 'mqtt_password',
    addon: 'password?',
    secret: true,
    help: 'its password',
  }),
  mqtt_ca: option({
    group: 'mqtt',
    arg: 'FILE',
    flags: ['mqtt-ca'],
    help: "the CA certificate (PEM) of an mqtts:// broker's own certificate authority",
  }),
  mqtt_client_id: option({
    group: 'mqtt',
    arg: 'ID',
    flags: ['mqtt-client-id'],
    default: () => `smartmeter-bridge-${randomBytes(3).toString('hex')}`,
    help: 'the MQTT client id (default smartmeter-bridge- and six random hex digits)',
  }),
  topic_prefix: option({
    group: 'mqtt',
    arg: 'P',
    flags: ['topic-prefix'],
    env: 'TOPIC_PREFIX',
    option: 'topic_prefix',
    addon: 'str?',
    schema: topic,
    expected: TOPIC_EXPECTED,
    default: DEFAULT_TOPIC_PREFIX,
    help: 'state topics P/<value>; one prefix per meter on a broker',
    summary: (c) => `topics ${c.mqtt.topicPrefix}/…`,
  }),
  discovery_prefix: option({
    group: 'mqtt',
    arg: 'P',
    flags: ['discovery-prefix'],
    env: 'DISCOVERY_PREFIX',
    option: 'discovery_prefix',
    addon: 'str?',
    schema: topic,
    expected: TOPIC_EXPECTED,
    default: 'homeassistant',
    help: "Home Assistant's MQTT discovery prefix",
    summary: (c) => (c.mqtt.discovery ? `discovery ${c.mqtt.discoveryPrefix}` : 'discovery off'),
  }),
  birth_topic: option({
    group: 'mqtt',
    arg: 'TOPIC',
    flags: ['birth-topic'],
    schema: topic,
    expected: 'a topic without + or #',
    default: 'homeassistant/status',
    help: 'where Home Assistant says online when it starts, and discovery is sent again',
  }),
  discovery: option({
    group: 'mqtt',
    switch: { flag: 'no-discovery', sets: 'false' },
    schema: z.pipe(
      z.string(),
      z.transform((text) => text !== 'false'),
    ),
    default: true,
    help: 'publish no Home Assistant discovery',
  }),
  stale_timeout: option({
    group: 'mqtt',
    arg: 'S',
    flags: ['stale-timeout'],
    option: 'stale_timeout',
    addon: `int(${MIN_STALE_TIMEOUT_S},${MAX_STALE_TIMEOUT_S})?`,
    // A timeout of one or two push periods would take every sensor to unavailable and back whenever a
    // telegram is a little late.
    schema: integer(MIN_STALE_TIMEOUT_S, MAX_STALE_TIMEOUT_S),
    expected: `expected whole seconds from ${MIN_STALE_TIMEOUT_S} to ${MAX_STALE_TIMEOUT_S} (less would make the sensors flap between unavailable and available)`,
    default: 30,
    help: "'offline' after S seconds without a valid telegram",
    summary: (c) => `stale after ${c.staleTimeoutS} s`,
  }),
  http_port: option({
    group: 'page',
    arg: 'N',
    flags: ['http-port'],
    schema: integer(0, 65535),
    expected: 'expected a port number 0-65535',
    help: 'serve the live web page, /status.json, /metrics and /health on port N (off unless given)',
    summary: (c) =>
      c.httpPort === undefined
        ? undefined
        : `web page on ${c.httpHost.includes(':') ? `[${c.httpHost}]` : c.httpHost}:${c.httpPort}${c.httpAllowedPeers === undefined ? '' : ` for ${c.httpAllowedPeers.join(', ')} only`}`,
  }),
  http_host: option({
    group: 'page',
    arg: 'ADDR',
    flags: ['http-host'],
    env: 'HTTP_HOST',
    schema: listenAddress,
    expected:
      'expected an address to listen on, such as 127.0.0.1 (the default), 0.0.0.0 (every IPv4 address) or ::',
    default: '127.0.0.1',
    help: 'where that page listens: {default}, so that only this machine can read it, unless given; 0.0.0.0 for every address, e.g. for Prometheus on another host',
  }),
};
