import * as z from 'zod/mini';
import { LOG_LEVELS } from '../log.js';
import { integer, option } from './option-row.js';

/** The options table's rows for Home Assistant's API, InfluxDB, Sentry and the log (see options.ts). */

const httpUrl = z.string().check(z.regex(/^https?:\/\/[^/\s]+/));

export const SERVICE_OPTIONS = {
  ha_url: option({
    group: 'homeassistant',
    arg: 'URL',
    flags: ['ha-url'],
    env: 'HA_URL',
    help: 'Home Assistant, e.g. http://homeassistant.local:8123: notifications when the meter needs attention, entity ids on the web page',
    summary: (c) =>
      c.homeAssistant === undefined
        ? undefined
        : `Home Assistant API ${c.homeAssistant.url}${c.homeAssistant.energyDashboard ? ' (Energy dashboard set-up on)' : ''}`,
  }),
  ha_token: option({
    group: 'homeassistant',
    arg: 'TOKEN',
    flags: ['ha-token'],
    env: 'HA_TOKEN',
    secret: true,
    help: 'a long-lived access token of a Home Assistant user',
  }),
  energy_dashboard: option({
    group: 'homeassistant',
    switch: { flag: 'energy-dashboard', sets: 'true' },
    option: 'energy_dashboard',
    addon: 'bool?',
    schema: z.pipe(
      z.string(),
      z.transform((text) => text === 'true'),
    ),
    default: false,
    help: 'add the meter to the Energy dashboard, once',
  }),
  state_dir: option({
    group: 'homeassistant',
    arg: 'DIR',
    flags: ['state-dir'],
    default: '.',
    help: 'where the marker of that "once" is kept',
  }),
  influx_url: option({
    group: 'influxdb',
    arg: 'URL',
    flags: ['influx-url'],
    env: 'INFLUX_URL',
    schema: httpUrl,
    expected: 'expected http://host:8086',
    help: 'write every telegram to the InfluxDB v2 at URL; it also needs the token, organisation and bucket',
    summary: (c) =>
      c.influx === undefined ? undefined : `InfluxDB ${c.influx.url} bucket ${c.influx.bucket}`,
  }),
  influx_token: option({
    group: 'influxdb',
    arg: 'TOKEN',
    flags: ['influx-token'],
    env: 'INFLUX_TOKEN',
    secret: true,
    help: 'its API token',
  }),
  influx_org: option({
    group: 'influxdb',
    arg: 'ORG',
    flags: ['influx-org'],
    env: 'INFLUX_ORGANIZATION',
    help: 'its organisation',
  }),
  influx_bucket: option({
    group: 'influxdb',
    arg: 'BUCKET',
    flags: ['influx-bucket'],
    env: 'INFLUX_BUCKET',
    help: 'its bucket',
  }),
  influx_queue_dir: option({
    group: 'influxdb',
    arg: 'DIR',
    flags: ['influx-queue-dir'],
    env: 'INFLUX_QUEUE_DIR',
    default: 'influx-queue',
    help: 'where points wait while InfluxDB is away',
  }),
  influx_queue_mb: option({
    group: 'influxdb',
    arg: 'MB',
    flags: ['influx-queue-mb'],
    schema: integer(1, 100_000),
    expected: 'expected megabytes from 1 to 100000',
    default: 100,
    help: 'at most this much of them',
  }),
  sentry_url: option({
    group: 'other',
    arg: 'DSN',
    flags: ['sentry-url', 'sentry_url'],
    env: 'SENTRY_URL',
    // The DSN holds the project's key.
    secret: true,
    help: 'report errors to Sentry',
    summary: (c) => (c.sentryUrl === undefined ? undefined : 'Sentry error reports on'),
  }),
  log_level: option({
    group: 'other',
    arg: LOG_LEVELS.join('|'),
    flags: ['log-level'],
    env: 'LOG_LEVEL',
    option: 'log_level',
    addon: `list(${LOG_LEVELS.join('|')})?`,
    schema: z.enum(LOG_LEVELS),
    expected: `expected one of ${LOG_LEVELS.join(', ')}`,
    default: 'info',
    help: 'how much the log shows',
  }),
  log_console: option({
    group: 'other',
    python: { flag: 'log_console' },
    bare: 'true',
    schema: z.pipe(
      z.string(),
      z.transform((text) => !/^(|0|false|no|off)$/i.test(text.trim())),
    ),
    default: false,
    help: "also log every telegram's values",
  }),
};
