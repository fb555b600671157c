import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { GRID_OPERATORS, OPERATOR_CHOICES } from '../../src/config/grid-operators.js';
import { ROWS } from '../../src/config/options.js';
import { MIN_STALE_TIMEOUT_S } from '../../src/config/options-mqtt.js';
import { SUPPORT_URL } from '../../src/mqtt/discovery.js';

/**
 * The add-on's files as the Supervisor's store and the community linter (frenck/action-addon-linter) see
 * them: the linter's JSON schema, its rules beyond the schema (home-assistant.md §1.9), translations in
 * English and German for every option, the version, and no second config file for the store to find; the
 * image workflow that publishes what config.yaml's `image` names.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const config = parse(read('config.yaml')) as Record<string, unknown>;
const schemaFile = new URL('../shared/addon-schemas/config.schema.json', root);

describe('add-on files', () => {
  it("config.yaml passes the community linter's JSON schema", () => {
    // The schema is written for Python: its named groups (?P<x>…) are (?<x>…) in JavaScript.
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8').replace(/\(\?P</g, '(?<')) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    assert.ok(validate(config), JSON.stringify(validate.errors, null, 2));
  });

  it("passes the linter's rules beyond the schema", () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
      properties: Record<string, { default?: unknown }>;
    };
    for (const [key, value] of Object.entries(config)) {
      const fallback = schema.properties[key]?.default;
      assert.notDeepEqual(
        value,
        fallback === undefined ? Symbol('none') : fallback,
        `${key} uses its default value; the linter rejects that`,
      );
    }
    assert.deepEqual(config['arch'], ['aarch64', 'amd64']);
    assert.equal('watchdog' in config, false, 'watchdog is obsolete: the Dockerfile has a HEALTHCHECK');
    assert.equal('webui' in config && config['ingress'] === true, false);
    assert.equal('full_access' in config, false);
    assert.equal('auto_uart' in config, false);
    assert.equal('codenotary' in config, false);
    for (const file of ['build.yaml', 'build.yml', 'build.json'])
      assert.equal(existsSync(new URL(file, root)), false, `${file} is deprecated`);
    assert.match(read('Dockerfile'), /^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:[\d.]+$/m);
    assert.match(read('Dockerfile'), /^HEALTHCHECK /m);
  });

  it('asks for what the issue needs: a tty device picker, the MQTT service, the HA API, ingress', () => {
    const schema = config['schema'] as Record<string, string>;
    assert.equal(config['uart'], true);
    assert.equal(schema['device'], 'device(subsystem=tty)');
    assert.equal(schema['key'], 'password');
    // want, not need: with mqtt_host the app runs on its own broker (src/addon/main.ts never asks then).
    assert.deepEqual(config['services'], ['mqtt:want']);
    assert.equal(config['homeassistant_api'], true);
    assert.equal(config['ingress'], true);
    const options = config['options'] as Record<string, unknown>;
    for (const [key, value] of Object.entries(options)) {
      // The grid operator is always shown (a required list), with auto as its value until the user picks one.
      assert.equal(
        value,
        key === 'grid_operator' ? 'auto' : null,
        `${key}: required options have no default value`,
      );
      assert.ok(!String(schema[key]).endsWith('?'), `${key} is required, so not optional in the schema`);
    }
  });

  it('offers every grid operator of the preset table, and auto, as a list that defaults to auto', () => {
    const schema = config['schema'] as Record<string, string>;
    assert.equal(schema['grid_operator'], `list(${OPERATOR_CHOICES.join('|')})`);
    assert.deepEqual(OPERATOR_CHOICES, ['auto', ...GRID_OPERATORS.map((o) => o.id)]);
    assert.equal((config['options'] as Record<string, unknown>)['grid_operator'], 'auto');
    // The twelve operators, by the ids `run --operator` takes.
    assert.deepEqual(
      [...OPERATOR_CHOICES].sort(),
      [
        'auto',
        'wiener-netze',
        'netz-burgenland',
        'kng-kaernten',
        'netz-ooe',
        'eww-wels',
        'energienetze-steiermark',
        'stromnetz-graz',
        'tinetz',
        'ikb',
        'salzburg-netz',
        'vorarlberg-netz',
        'evn',
      ].sort(),
    );
  });

  it("the manual's operator table has a row for every operator, in English and in German", () => {
    const [english = '', german = ''] = read('DOCS.md').split(/^---$/m);
    for (const operator of GRID_OPERATORS) {
      assert.match(english, new RegExp(`^\\| [^|]*\`${operator.id}\``, 'm'), `English: ${operator.id}`);
      assert.match(german, new RegExp(`^\\| [^|]*\`${operator.id}\``, 'm'), `German: ${operator.id}`);
    }
  });

  it("config.yaml's schema and options and both translations name exactly the options table's add-on options, with its types", () => {
    // src/config/options.ts: the option's name in /data/options.json and its config.yaml schema type.
    const table = ROWS.flatMap(([, row]) =>
      row.addon === undefined ? [] : [[String(row.option), row.addon]],
    );
    assert.deepEqual(config['schema'], Object.fromEntries(table), 'config.yaml schema');
    const defaults = new Map(ROWS.map(([, row]) => [row.option, row.default]));
    // A required option shows its default in the form (grid_operator: auto); the others have none (null).
    const required = table
      .filter(([, type]) => !type?.endsWith('?'))
      .map(([name]) => [name, name === 'grid_operator' ? defaults.get(name) : null]);
    assert.deepEqual(
      config['options'],
      Object.fromEntries(required),
      'config.yaml options: the required ones',
    );
    for (const language of ['en', 'de']) {
      const translation = parse(read(`translations/${language}.yaml`)) as { configuration: object };
      assert.deepEqual(
        Object.keys(translation.configuration).sort(),
        table.map(([name]) => name).sort(),
        `translations/${language}.yaml`,
      );
    }
  });

  it('stale_timeout cannot go below the floor that keeps sensors from flapping, here as in the loader', () => {
    const schema = config['schema'] as Record<string, string>;
    assert.equal(MIN_STALE_TIMEOUT_S, 30);
    assert.equal(schema['stale_timeout'], `int(${MIN_STALE_TIMEOUT_S},3600)?`);
    for (const language of ['en', 'de']) {
      const translation = parse(read(`translations/${language}.yaml`)) as {
        configuration: Record<string, { description: string }>;
      };
      assert.match(translation.configuration['stale_timeout']?.description ?? '', /30/, language);
    }
  });

  it('names one home: config.yaml and repository.yaml give the same url, which discovery gives as support_url', () => {
    const repository = parse(read('repository.yaml')) as Record<string, unknown>;
    assert.equal(config['url'], SUPPORT_URL);
    assert.equal(repository['url'], SUPPORT_URL);
  });

  it("init is Docker's (the default, which the linter forbids writing out) and the image runs no s6", () => {
    assert.equal('init' in config, false);
    assert.match(read('config.yaml'), /^# init is left at its default, true/m);
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /^ENTRYPOINT \[\]$/m, "the base image's s6 /init would need init: false");
    assert.match(
      dockerfile,
      /^CMD \["node", "--no-expose-wasm", "--jitless", "--bytecode-old-age=1", "\/app\/dist\/addon\/main\.js"\]$/m,
    );
  });

  it('the HEALTHCHECK checks every few seconds while starting, so the app leaves "startup" at once', () => {
    const line = read('Dockerfile')
      .split('\n')
      .find((l) => l.startsWith('HEALTHCHECK '));
    assert.ok(line);
    const seconds = (flag: string): number => {
      const match = new RegExp(`--${flag}=(\\d+)(s|m)`).exec(line);
      assert.ok(match, `--${flag}`);
      return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
    };
    assert.ok(seconds('start-interval') <= 5, 'start interval');
    assert.ok(
      seconds('start-period') >= 10 * seconds('start-interval'),
      'several checks in the start period',
    );
    assert.ok(seconds('interval') >= 30, 'and rarely afterwards');
  });

  it("publishes the image config.yaml names: Home Assistant's builder actions, per arch and a manifest", () => {
    const image = config['image'];
    assert.equal(typeof image, 'string');
    assert.doesNotMatch(String(image), /:[^/]*$/, 'no tag: the Supervisor pulls `version`');
    assert.equal(
      String(image).split('/').slice(0, 2).join('/'),
      `ghcr.io/${new URL(SUPPORT_URL).pathname.split('/')[1]}`,
    );
    const workflow = parse(read('.github/workflows/builder.yaml')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[]; if?: string }>;
    };
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
    const uses = steps.map((step) => step.uses).filter((u): u is string => u !== undefined);
    for (const action of [
      'home-assistant/builder/actions/prepare-multi-arch-matrix@',
      'home-assistant/builder/actions/build-image@',
      'home-assistant/builder/actions/publish-multi-arch-manifest@',
      'home-assistant/actions/helpers/info@',
      'frenck/action-addon-linter@',
    ])
      assert.ok(
        uses.some((u) => u.startsWith(action)),
        action,
      );
    // One builder release for all three actions; every action pinned to a release or a commit, not a branch.
    assert.equal(
      new Set(uses.filter((u) => u.startsWith('home-assistant/builder/')).map((u) => u.split('@')[1])).size,
      1,
    );
    for (const u of uses) assert.match(u, /@(v?\d[\w.]*|[0-9a-f]{40})$/, u);
    // The build context is this folder (the app's root), with its Dockerfile.
    const build = steps.find((step) => step.uses?.startsWith('home-assistant/builder/actions/build-image@'));
    assert.equal(build?.with?.['context'], '.');
    assert.ok(existsSync(new URL('Dockerfile', root)));
    // Pull requests build; only a push publishes, and only the manifest job's condition lets it.
    assert.ok('pull_request' in workflow.on && 'push' in workflow.on);
    assert.match(workflow.jobs['manifest']?.if ?? '', /publish == 'true'/);
  });

  it('every option has a name and a description in English and German', () => {
    const keys = Object.keys(config['schema'] as object);
    for (const language of ['en', 'de']) {
      const translation = parse(read(`translations/${language}.yaml`)) as {
        configuration: Record<string, { name?: string; description?: string }>;
      };
      assert.deepEqual(Object.keys(translation.configuration).sort(), [...keys].sort(), language);
      for (const key of keys) {
        assert.ok(translation.configuration[key]?.name, `${language}: ${key} has no name`);
        assert.ok(translation.configuration[key]?.description, `${language}: ${key} has no description`);
      }
    }
  });

  it('the manual (DOCS.md) explains every option, in its English and in its German part', () => {
    const [english = '', german = ''] = read('DOCS.md').split(/^---$/m);
    assert.match(german, /\(Deutsch\)/, 'the German part follows the --- line');
    for (const key of Object.keys(config['schema'] as object)) {
      assert.ok(english.includes(`\`${key}\``), `English manual: ${key}`);
      assert.ok(german.includes(`\`${key}\``), `German manual: ${key}`);
    }
  });

  it("the add-on's version is the package's", () => {
    assert.equal(config['version'], (JSON.parse(read('package.json')) as { version: string }).version);
  });

  it('the store finds exactly one app: no other config.{yaml,yml,json} outside dot-folders and rootfs', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    }).split('\n');
    const configs = files.filter(
      (f) =>
        /(^|\/)config\.(ya?ml|json)$/.test(f) &&
        !f.split('/').some((part) => part.startsWith('.') || part === 'rootfs'),
    );
    assert.deepEqual(configs, ['config.yaml']);
  });

  it('has the store files: repository.yaml, README, DOCS, CHANGELOG, a 128×128 icon, a logo, an AppArmor profile', () => {
    const repository = parse(read('repository.yaml')) as Record<string, unknown>;
    assert.equal(typeof repository['name'], 'string');
    for (const file of ['README.md', 'DOCS.md', 'CHANGELOG.md', 'apparmor.txt', 'logo.png'])
      assert.ok(existsSync(new URL(file, root)), file);
    const icon = readFileSync(new URL('icon.png', root));
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  });

  describe('the AppArmor profile', () => {
    const profile = read('apparmor.txt');
    const rules = profile
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));

    it('has the one profile line the Supervisor renames (its regex), and does not name itself', () => {
      const names = [...profile.matchAll(/^profile ([^ ]+).*$/gm)].map((m) => m[1]);
      assert.deepEqual(names, ['smartmeter_bridge']);
      // Only the profile line is renamed to the full slug: a peer=smartmeter_bridge elsewhere would not match.
      assert.equal(rules.filter((rule) => rule.includes('smartmeter_bridge')).length, 1);
    });

    it("compiles with AppArmor's own parser (apparmor_parser, Debian's apparmor package)", () => {
      const parser = ['/usr/sbin/apparmor_parser', '/sbin/apparmor_parser'].find((p) => existsSync(p));
      assert.ok(parser, 'apparmor_parser is missing: apt-get install apparmor');
      // -Q: compile everything, load nothing into the kernel (none here); -K: no cache.
      execFileSync(parser, ['-Q', '-K', fileURLToPath(new URL('apparmor.txt', root))], { stdio: 'pipe' });
    });

    it('lets the bridge stop cleanly, resolve core-mosquitto, load Node and read the adapter', () => {
      const needed: [string, string][] = [
        ['signal (receive),', 'SIGTERM from Docker via docker-init, so that offline is published'],
        ['network inet dgram,', 'DNS (UDP) for core-mosquitto and the Supervisor'],
        ['network inet stream,', 'MQTT, Supervisor and Home Assistant APIs'],
        ['/usr/share/** r,', "Alpine's Node.js reads its ICU data there"],
        ['/app/node_modules/**.node mr,', "serialport's native binding is mapped"],
        ['/dev/tty* rw,', 'the M-Bus adapter'],
        ['/sys/devices/** r,', 'the USB identity that finds a re-enumerated adapter'],
        ['/data/** rw,', 'options.json, the Energy dashboard marker, the InfluxDB queue'],
      ];
      for (const [rule, why] of needed) assert.ok(rules.includes(rule), `${rule} (${why})`);
    });
  });
});
