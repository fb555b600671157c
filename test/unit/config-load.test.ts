import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConfig } from '../../src/config/config.js';
import { type LoadResult, loadConfig } from '../../src/config/load.js';
import { type Field, ROWS } from '../../src/config/options.js';
import type { SupervisorInput } from '../../src/config/raw-input.js';
import { runUsage } from '../../src/config/usage.js';

const KEY = '48704F444F326D5050553033784C3333';
const SECRET = 'pa55-w0rd-xyz';

function load(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): LoadResult {
  return loadConfig({
    argv,
    env,
    readTextFile: (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return content;
    },
  });
}

function ok(result: LoadResult): Extract<LoadResult, { ok: true }>['config'] {
  if (!result.ok) assert.fail(result.message);
  return result.config;
}

function problem(result: LoadResult): string {
  if (result.ok) assert.fail('expected a configuration error');
  return result.message;
}

describe('configuration', () => {
  it('has the defaults a meter needs: /dev/ttyUSB0 at 2400 8E1, localhost broker, home/smart_meter, 30 s', () => {
    const config = ok(load(['--key', KEY]));
    assert.deepEqual(config.source, {
      kind: 'serial',
      device: '/dev/ttyUSB0',
      deviceDefaulted: true,
      baudRate: 2400,
      parity: 'even',
      dataBits: 8,
      stopBits: 1,
    });
    assert.equal(config.mqtt.url, 'mqtt://localhost:1883');
    assert.equal(config.mqtt.topicPrefix, 'home/smart_meter');
    assert.equal(config.mqtt.discoveryPrefix, 'homeassistant');
    assert.equal(config.mqtt.birthTopic, 'homeassistant/status');
    assert.equal(config.mqtt.discovery, true);
    assert.match(config.mqtt.clientId, /^smartmeter-bridge-[0-9a-f]{6}$/);
    assert.equal(config.staleTimeoutS, 30);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logConsole, false);
    assert.deepEqual(config.key, new Uint8Array(Buffer.from(KEY, 'hex')));
  });

  it("keeps the old project's flags, as --x v and --x=v, and its environment variables", () => {
    const config = ok(
      load([
        '--serial_key',
        KEY,
        '--serial_port=/dev/ttyUSB3',
        '--mqtt_server',
        'broker.lan',
        '--mqtt_port=1884',
        '--mqtt_user',
        'u',
        '--mqtt_passwd',
        SECRET,
      ]),
    );
    assert.equal(config.source.kind === 'serial' && config.source.device, '/dev/ttyUSB3');
    assert.equal(config.mqtt.url, 'mqtt://broker.lan:1884');
    assert.equal(config.mqtt.username, 'u');
    assert.equal(config.mqtt.password, SECRET);
    const fromEnv = ok(
      load([], {
        SERIAL_KEY: KEY,
        MQTT_SERVER: 'mq',
        MQTT_PORT: '1999',
        MQTT_USER: 'e',
        MQTT_PASSWD: SECRET,
      }),
    );
    assert.equal(fromEnv.mqtt.url, 'mqtt://mq:1999');
    assert.equal(fromEnv.mqtt.username, 'e');
  });

  it('takes --log_console alone or with a value, as argparse did', () => {
    assert.equal(ok(load(['--key', KEY, '--log_console'])).logConsole, true);
    assert.equal(ok(load(['--log_console', '1', '--key', KEY])).logConsole, true);
    assert.equal(ok(load(['--log_console=false', '--key', KEY])).logConsole, false);
  });

  it('layers defaults < options file < environment < flags', () => {
    const files = {
      '/data/options.json': JSON.stringify({
        key: KEY,
        topic_prefix: 'file/p',
        stale_timeout: 60,
        log_level: 'debug',
        parity: 'none',
      }),
    };
    const fileOnly = ok(load(['--options', '/data/options.json'], {}, files));
    assert.equal(fileOnly.mqtt.topicPrefix, 'file/p');
    assert.equal(fileOnly.staleTimeoutS, 60);
    assert.equal(fileOnly.logLevel, 'debug');
    assert.equal(fileOnly.source.kind === 'serial' && fileOnly.source.parity, 'none');
    const envOverFile = ok(load(['--options', '/data/options.json'], { TOPIC_PREFIX: 'env/p' }, files));
    assert.equal(envOverFile.mqtt.topicPrefix, 'env/p');
    const flagOverEnv = ok(
      load(['--options', '/data/options.json', '--topic-prefix', 'flag/p'], { TOPIC_PREFIX: 'env/p' }, files),
    );
    assert.equal(flagOverEnv.mqtt.topicPrefix, 'flag/p');
  });

  it('ignores empty environment variables (compose passes an unset variable as "")', () => {
    const config = ok(load(['--key', KEY], { MQTT_SERVER: '', MQTT_PORT: '', SERIAL_KEY: '' }));
    assert.equal(config.mqtt.url, 'mqtt://localhost:1883');
  });

  it('selects TCP for tcp://host:port, replay for --replay, and builds mqtts URLs with port 8883', () => {
    assert.deepEqual(ok(load(['--key', KEY, '--device', 'tcp://192.0.2.1:2001'])).source, {
      kind: 'tcp',
      host: '192.0.2.1',
      port: 2001,
    });
    assert.deepEqual(ok(load(['--key', KEY, '--replay', 'cap.bin', '--replay-pace', 'fast'])).source, {
      kind: 'replay',
      file: 'cap.bin',
      pace: 'fast',
      intervalMs: 5000,
      keepRunning: false,
    });
    const kept = ok(load(['--key', KEY, '--replay', 'cap.bin', '--replay-keep-running'])).source;
    assert.ok(kept.kind === 'replay' && kept.keepRunning, '--replay-keep-running');
    assert.equal(
      ok(load(['--key', KEY, '--mqtt_server', 'mqtts://secure.lan'])).mqtt.url,
      'mqtts://secure.lan:8883',
    );
    assert.equal(ok(load(['--key', KEY, '--mqtt-url', 'mqtts://b:8884'])).mqtt.url, 'mqtts://b:8884');
    assert.equal(ok(load(['--key', KEY, '--no-discovery'])).mqtt.discovery, false);
  });

  it('the status page listens on loopback unless --http-host or HTTP_HOST says otherwise; only the add-on narrows its peers', () => {
    const plain = ok(load(['--key', KEY, '--http-port', '8099']));
    assert.equal(plain.httpHost, '127.0.0.1');
    assert.equal(plain.httpAllowedPeers, undefined);
    assert.match(describeConfig(plain), /web page on 127\.0\.0\.1:8099(,|$)/);
    const everywhere = ok(load(['--key', KEY, '--http-port', '8099', '--http-host', '0.0.0.0']));
    assert.equal(everywhere.httpHost, '0.0.0.0');
    assert.match(describeConfig(everywhere), /web page on 0\.0\.0\.0:8099/);
    assert.equal(ok(load(['--key', KEY], { HTTP_HOST: '::' })).httpHost, '::');
    assert.equal(
      ok(load(['--key', KEY, '--http-host', 'localhost'], { HTTP_HOST: '::' })).httpHost,
      'localhost',
    );
    assert.match(
      describeConfig({ ...plain, httpHost: '::', httpAllowedPeers: ['172.30.32.2', '127.0.0.1'] }),
      /web page on \[::\]:8099 for 172\.30\.32\.2, 127\.0\.0\.1 only/,
    );
  });

  const errors: [string, string[], Record<string, string>, RegExp][] = [
    [
      'a listen address that is none',
      ['--key', KEY, '--http-host', 'http://0.0.0.0'],
      {},
      /^--http-host: expected an address to listen on/,
    ],
    [
      'an HTTP_HOST with a space',
      ['--key', KEY],
      { HTTP_HOST: 'my host' },
      /^HTTP_HOST: expected an address/,
    ],
    ['missing key', [], {}, /^key: missing/],
    ['31 hex digits', ['--key', KEY.slice(1)], {}, /^--key: a key is 32 hex digits/],
    [
      'non-hex key from the environment',
      [],
      { SERIAL_KEY: `${KEY.slice(2)}ZZ` },
      /^SERIAL_KEY: .*not hex digits/,
    ],
    [
      'port 0',
      ['--key', KEY, '--mqtt_port', '0'],
      {},
      /^--mqtt_port: expected a port number 1-65535, got "0"/,
    ],
    [
      'port 70000',
      ['--key', KEY, '--mqtt_server', 'h', '--mqtt_port', '70000'],
      {},
      /^--mqtt_port: .*"70000"/,
    ],
    ['port abc from the environment', ['--key', KEY], { MQTT_PORT: 'abc' }, /^MQTT_PORT: .*"abc"/],
    ['bad parity', ['--key', KEY, '--parity', 'mark'], {}, /^--parity: expected none, even or odd/],
    [
      'http scheme',
      ['--key', KEY, '--mqtt-url', 'http://x:80'],
      {},
      /^--mqtt-url: expected mqtt:\/\/host:port/,
    ],
    ['wildcard in the topic prefix', ['--key', KEY, '--topic-prefix', 'home/#'], {}, /^--topic-prefix: /],
    [
      'discovery prefix equal to the topic prefix',
      ['--key', KEY, '--topic-prefix', 'x', '--discovery-prefix', 'x'],
      {},
      /^--discovery-prefix: must differ/,
    ],
    [
      'stale timeout of 2 s',
      ['--key', KEY, '--stale-timeout', '2'],
      {},
      /^--stale-timeout: expected whole seconds from 30 to 3600 \(less would make the sensors flap/,
    ],
    [
      'stale timeout of 29 s: the floor that keeps a 5 s meter from flapping',
      ['--key', KEY, '--stale-timeout', '29'],
      {},
      /^--stale-timeout: expected whole seconds from 30 to 3600/,
    ],
    ['unknown flag', ['--key', KEY, '--colour', 'red'], {}, /^--colour: unknown option/],
    ['a flag without its value', ['--key'], {}, /^--key: needs a value/],
    [
      'tcp:// without a port',
      ['--key', KEY, '--device', 'tcp://host'],
      {},
      /^--device: expected tcp:\/\/host:port/,
    ],
    ['a missing options file', ['--options', '/nope.json'], {}, /^--options \/nope\.json: cannot be read/],
  ];
  for (const [name, argv, env, expected] of errors) {
    it(`${name}: one message naming the option`, () => {
      const message = problem(load(argv, env));
      assert.match(message, expected);
      assert.equal(message.includes('\n'), false);
      assert.equal(message.includes(KEY.slice(4)), false, 'the key is never echoed');
    });
  }

  it('an options file that is not JSON is named', () => {
    assert.match(
      problem(load(['--options', '/o.json'], {}, { '/o.json': '{ key: ' })),
      /^--options \/o\.json: is not valid JSON/,
    );
  });

  it('never shows the key, the auth key or the password in the summary or an error', () => {
    const auth = 'C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF';
    const config = ok(
      load(['--key', KEY, '--auth-key', auth, '--mqtt-user', 'u', '--mqtt-password', SECRET]),
    );
    const summary = describeConfig(config);
    assert.match(summary, /key 4870…/);
    assert.ok(
      !summary.includes(KEY.slice(4)) && !summary.includes(auth.slice(4)) && !summary.includes(SECRET),
      summary,
    );
    const message = problem(
      load(['--key', KEY, '--mqtt-password', SECRET, '--mqtt-url', `http://u:${SECRET}@h`]),
    );
    assert.ok(!message.includes(SECRET), message);
  });
  describe("the Supervisor's MQTT service, a layer of its own", () => {
    const files = { '/data/options.json': JSON.stringify({ key: KEY, mqtt_user: 'from-file' }) };
    const service = { host: 'core-mosquitto', port: 1883, username: 'addons', password: SECRET };
    const withService = (supervisor: SupervisorInput, env: Record<string, string> = {}): LoadResult =>
      loadConfig({
        argv: [],
        env,
        optionsFile: '/data/options.json',
        supervisor,
        readTextFile: (path) => files[path as keyof typeof files] ?? '',
      });

    it('gives the broker, its user and password; over the options file, under the environment', () => {
      const config = ok(withService({ mqtt: service }));
      assert.equal(config.mqtt.url, 'mqtt://core-mosquitto:1883');
      assert.equal(config.mqtt.username, 'addons');
      assert.equal(config.mqtt.password, SECRET);
      assert.equal(
        ok(withService({ mqtt: { ...service, ssl: true, port: 8883 } })).mqtt.url,
        'mqtts://core-mosquitto:8883',
      );
      assert.equal(ok(withService({ mqtt: service }, { MQTT_USER: 'env' })).mqtt.username, 'env');
      assert.equal(ok(withService({})).mqtt.username, 'from-file');
    });

    it('is named as such in a message, without its password', () => {
      const message = problem(withService({ mqtt: { ...service, host: ' ' } }));
      assert.match(message, /^the broker from Home Assistant's MQTT service: expected mqtt:\/\/host:port/);
      assert.ok(!message.includes(SECRET), message);
    });

    it('an options file given by the add-on is named by its path', () => {
      assert.match(
        problem(
          loadConfig({ argv: [], env: {}, optionsFile: '/data/options.json', readTextFile: () => '{' }),
        ),
        /^\/data\/options\.json: is not valid JSON/,
      );
    });
  });

  it('no secret of the options table shows in the summary, nor in the message about it', () => {
    const hex = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
    const valid: Record<string, string> = {
      key: hex,
      auth_key: hex,
      mqtt_password: SECRET,
      ha_token: SECRET,
      influx_token: SECRET,
      sentry_url: `https://${hex}@o1.ingest.sentry.io/1`,
    };
    const secrets = ROWS.filter(([, row]) => row.secret === true);
    assert.deepEqual(secrets.map(([field]) => field).sort(), Object.keys(valid).sort());
    const others: Partial<Record<Field, string[]>> = {
      ha_token: ['--ha-url', 'http://ha:8123'],
      influx_token: ['--influx-url', 'http://i:8086', '--influx-org', 'o', '--influx-bucket', 'b'],
    };
    for (const [field, row] of secrets) {
      const flag = `--${row.flags?.[0]}`;
      const base = field === 'key' ? [] : ['--key', KEY];
      const summary = describeConfig(ok(load([...base, ...(others[field] ?? []), flag, valid[field] ?? ''])));
      assert.ok(!summary.includes(hex.slice(4)) && !summary.includes(SECRET), `${field}: ${summary}`);
      const wrong = `${SECRET}-${hex}-not valid`;
      const result = load([...base, ...(others[field] ?? []), flag, wrong]);
      if (!result.ok) assert.ok(!result.message.includes(SECRET), `${field}: ${result.message}`);
    }
  });

  it('run --help lists every flag and variable of the options table', () => {
    const usage = runUsage();
    for (const [field, row] of ROWS) {
      const names = [...(row.flags ?? []), row.python?.flag, row.switch?.flag].filter((n) => n !== undefined);
      for (const name of names) assert.match(usage, new RegExp(`--${name}\\b`), field);
      if (row.env !== undefined) assert.match(usage, new RegExp(`\\b${row.env}\\b`), field);
    }
  });
});
