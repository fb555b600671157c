import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConfig, operatorAdvice } from '../../src/config/config.js';
import {
  describeSerial,
  GRID_OPERATORS,
  gridOperator,
  OPERATOR_CHOICES,
} from '../../src/config/grid-operators.js';
import { type LoadResult, loadConfig } from '../../src/config/load.js';

const KEY = '48704F444F326D5050553033784C3333';

function load(argv: string[], env: Record<string, string> = {}, options?: object): LoadResult {
  return loadConfig({
    argv: ['--key', KEY, ...argv],
    env,
    ...(options === undefined ? {} : { optionsFile: '/data/options.json' }),
    readTextFile: () => JSON.stringify(options),
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

const M_BUS_DEFAULT = {
  kind: 'serial',
  device: '/dev/ttyUSB0',
  deviceDefaulted: true,
  baudRate: 2400,
  parity: 'even',
  dataBits: 8,
  stopBits: 1,
} as const;

describe('grid operator presets: auto', () => {
  it("without --operator, and with auto, the source is today's M-Bus 2400 8E1 and nothing is hinted", () => {
    for (const config of [
      ok(load([])),
      ok(load(['--operator', 'auto'])),
      ok(load([], { GRID_OPERATOR: 'auto' })),
      ok(load([], {}, { grid_operator: 'auto' })),
    ]) {
      assert.deepEqual(config.source, M_BUS_DEFAULT);
      assert.deepEqual(config.meter, {
        operator: undefined,
        framing: undefined,
        payload: undefined,
        layout: undefined,
        authKeyExpected: false,
      });
      assert.doesNotMatch(describeConfig(config), /operator/);
    }
  });
});

describe('grid operator presets: each operator', () => {
  for (const preset of GRID_OPERATORS) {
    it(`${preset.id}: ${describeSerial(preset.serial)}, ${preset.framings.join('/')}, as flag, variable and add-on option`, () => {
      for (const config of [
        ok(load(['--operator', preset.id])),
        ok(load([], { GRID_OPERATOR: preset.id })),
        ok(load([], {}, { grid_operator: preset.id })),
      ]) {
        assert.deepEqual(config.source, {
          kind: 'serial',
          device: '/dev/ttyUSB0',
          deviceDefaulted: true,
          baudRate: preset.serial.baudRate,
          parity: preset.serial.parity,
          dataBits: preset.serial.dataBits,
          stopBits: preset.serial.stopBits,
        });
        assert.deepEqual(config.meter, {
          operator: preset.id,
          framing: preset.framings[0],
          payload: preset.payload,
          layout: 'layout' in preset ? preset.layout : undefined,
          authKeyExpected: preset.authKey,
        });
        assert.match(describeConfig(config), new RegExp(`operator ${preset.id} \\(`));
      }
    });
  }

  it('the ids are case-insensitive and may have spaces around them', () => {
    assert.equal(ok(load(['--operator', ' Wiener-Netze '])).meter.operator, 'wiener-netze');
  });

  it('a TCP serial bridge or a replay gets the framing hints too (their bytes come from the same meter)', () => {
    const tcp = ok(load(['--operator', 'netz-burgenland', '--device', 'tcp://esp.lan:2000']));
    assert.deepEqual(tcp.source, { kind: 'tcp', host: 'esp.lan', port: 2000 });
    assert.equal(tcp.meter.framing, 'hdlc');
    assert.equal(tcp.meter.layout, 'netz-burgenland-e450');
  });
});

describe('grid operator presets: what the user sets still wins', () => {
  it('--baud, --parity, --data-bits and --stop-bits win over the preset, one at a time', () => {
    const baud = ok(load(['--operator', 'wiener-netze', '--baud', '2400'])).source;
    assert.deepEqual(baud, { ...M_BUS_DEFAULT, parity: 'none' });
    const parity = ok(load(['--operator', 'wiener-netze', '--parity', 'even'])).source;
    assert.deepEqual(parity, { ...M_BUS_DEFAULT, baudRate: 9600 });
    const bits = ok(load(['--operator', 'energienetze-steiermark', '--data-bits', '7', '--stop-bits', '2']));
    assert.deepEqual(bits.source, {
      ...M_BUS_DEFAULT,
      baudRate: 115_200,
      parity: 'none',
      dataBits: 7,
      stopBits: 2,
    });
    // The preset still names the operator and its framing.
    assert.equal(bits.meter.operator, 'energienetze-steiermark');
    assert.equal(bits.meter.framing, 'apdu');
  });

  it("the add-on's parity option wins over its grid_operator, and --operator over GRID_OPERATOR", () => {
    const addon = ok(load([], {}, { grid_operator: 'wiener-netze', parity: 'odd' }));
    assert.equal(addon.source.kind === 'serial' && addon.source.parity, 'odd');
    assert.equal(addon.source.kind === 'serial' && addon.source.baudRate, 9600);
    const both = ok(load(['--operator', 'evn'], { GRID_OPERATOR: 'wiener-netze' }));
    assert.equal(both.meter.operator, 'evn');
    assert.deepEqual(both.source, M_BUS_DEFAULT);
  });

  it('a bad --baud is still refused with a preset', () => {
    assert.match(problem(load(['--operator', 'evn', '--baud', 'fast'])), /^--baud: expected a baud rate/);
  });
});

describe('grid operator presets: a mistyped id', () => {
  it('names the id it probably meant, where the user wrote it', () => {
    assert.equal(
      problem(load(['--operator', 'wienernetze'])),
      `--operator: unknown grid operator "wienernetze"; did you mean wiener-netze? (expected one of ${OPERATOR_CHOICES.join(', ')})`,
    );
    assert.match(problem(load([], { GRID_OPERATOR: 'tinez' })), /^GRID_OPERATOR: .*did you mean tinetz\?/);
    assert.match(
      problem(load([], {}, { grid_operator: 'salzburgnetz' })),
      /^option "grid_operator": .*did you mean salzburg-netz\?/,
    );
  });

  it('a part of one id is taken for it ("burgenland", "graz"), a part of several or of none is not', () => {
    assert.match(problem(load(['--operator', 'burgenland'])), /did you mean netz-burgenland\?/);
    assert.match(problem(load(['--operator', 'graz'])), /did you mean stromnetz-graz\?/);
    const netz = problem(load(['--operator', 'netz']));
    assert.doesNotMatch(netz, /did you mean/);
    assert.match(netz, /expected one of auto, wiener-netze, /);
    assert.doesNotMatch(problem(load(['--operator', 'zzzz'])), /did you mean/);
  });

  it('another flag mistyped as --operatr gets the flag did-you-mean', () => {
    assert.match(problem(load(['--operatr', 'evn'])), /did you mean --operator\?/);
  });
});

describe('the preset table', () => {
  it("has the issue's twelve operators, each once, each citing a source", () => {
    assert.equal(GRID_OPERATORS.length, 12);
    assert.equal(new Set(GRID_OPERATORS.map((o) => o.id)).size, 12);
    for (const preset of GRID_OPERATORS) {
      assert.ok(preset.sources.length > 0, preset.id);
      assert.ok(preset.keySource.length > 0, preset.id);
      assert.equal(gridOperator(preset.id), preset);
    }
    assert.equal(gridOperator('auto'), undefined);
  });

  it('each interface has its usual parameters: M-Bus 2400 8E1, P1 115200 8N1, the optical port 9600', () => {
    for (const preset of GRID_OPERATORS) {
      const serial = describeSerial(preset.serial);
      if (preset.interface === 'mbus') assert.equal(serial, '2400 8E1', preset.id);
      if (preset.interface === 'p1') assert.equal(serial, '115200 8N1', preset.id);
      if (preset.interface === 'optical') assert.match(serial, /^9600 8[NE]1$/, preset.id);
    }
    // AMIS (OMS over the optical port) is the one 8E1 read head, per vector 23's source.
    assert.equal(describeSerial(gridOperator('netz-ooe')?.serial ?? GRID_OPERATORS[0].serial), '9600 8E1');
  });

  it('an operator whose meters sign their telegrams says where the second key comes from', () => {
    const signing = GRID_OPERATORS.filter((o) => o.authKey).map((o) => o.id);
    assert.deepEqual(signing, ['netz-burgenland', 'energienetze-steiermark', 'stromnetz-graz']);
    for (const id of signing) assert.match(gridOperator(id)?.keySource ?? '', /auth/i, id);
  });

  it('the positional layouts are hinted where the structure alone is ambiguous: Wiener Netze, Netz Burgenland', () => {
    const layouts = GRID_OPERATORS.flatMap((o) => ('layout' in o ? [[o.id, o.layout]] : []));
    assert.deepEqual(layouts, [
      ['wiener-netze', 'wiener-netze'],
      ['netz-burgenland', 'netz-burgenland-e450'],
    ]);
  });
});

describe('grid operator presets: words for the user', () => {
  it('a missing key says where this operator hands it out', () => {
    const message = problem(loadConfig({ argv: ['--operator', 'energienetze-steiermark'], env: {} }));
    assert.match(
      message,
      /^key: missing — set --key, SERIAL_KEY or the add-on's key option to the 32 hex digits/,
    );
    assert.match(
      message,
      /\(Energienetze Steiermark: Serviceportal \(portal\.e-netze\.at\).*GLOBAL AUTHENTICATION KEY/,
    );
    assert.doesNotMatch(problem(loadConfig({ argv: [], env: {} })), /\(/);
  });

  it('an operator that signs its telegrams, without an auth key, gets a word at start; with one, or another operator, none', () => {
    const advice = operatorAdvice(ok(load(['--operator', 'netz-burgenland'])));
    assert.match(
      advice ?? '',
      /^Netz Burgenland sends an authentication key too \(.*\): without it \(--auth-key, AUTH_KEY or the add-on's auth_key option\) its telegrams are decrypted but their authentication tag is not checked$/,
    );
    assert.equal(operatorAdvice(ok(load(['--operator', 'netz-burgenland', '--auth-key', KEY]))), undefined);
    assert.equal(operatorAdvice(ok(load(['--operator', 'wiener-netze']))), undefined);
    assert.equal(operatorAdvice(ok(load([]))), undefined);
  });
});
