import * as z from 'zod/mini';
import { keyHint } from '../key.js';
import type { SourceConfig } from './config.js';
import { describeSerial, gridOperator, INTERFACE_NAMES, OPERATOR_CHOICES } from './grid-operators.js';
import { integer, option } from './option-row.js';

/** The options table's rows for the meter's key and where its bytes come from (see options.ts). */

const PARITIES = ['even', 'none', 'odd'] as const;

export const METER_OPTIONS = {
  key: option({
    group: 'meter',
    arg: 'HEX',
    flags: ['key'],
    python: { flag: 'serial_key', env: true },
    env: 'SERIAL_KEY',
    option: 'key',
    addon: 'password',
    secret: true,
    help: 'the key from your grid operator: 32 hex digits (spaces and colons are fine)',
    summary: (c) => `key ${keyHint(c.key)}${c.authKey === undefined ? '' : ' + auth key'}`,
  }),
  auth_key: option({
    group: 'meter',
    arg: 'HEX',
    flags: ['auth-key'],
    env: 'AUTH_KEY',
    option: 'auth_key',
    addon: 'password?',
    secret: true,
    help: 'the authentication key, only for meters that sign their telegrams (security 0x30)',
  }),
  grid_operator: option({
    group: 'meter',
    arg: 'ID',
    flags: ['operator'],
    env: 'GRID_OPERATOR',
    option: 'grid_operator',
    addon: `list(${OPERATOR_CHOICES.join('|')})`,
    // Checked in load.ts, where a mistyped id gets its did-you-mean.
    default: 'auto',
    help: `your grid operator, for its interface's serial parameters (--baud and --parity still win): ${OPERATOR_CHOICES.join(', ')}; auto reads M-Bus at 2400 8E1. The framing is found from the bytes either way`,
    summary: (c) => {
      const preset = c.meter.operator === undefined ? undefined : gridOperator(c.meter.operator);
      return preset === undefined
        ? undefined
        : `operator ${preset.id} (${INTERFACE_NAMES[preset.interface]}, ${preset.framings.join(' or ')})`;
    },
  }),
  device: option({
    group: 'source',
    arg: 'PATH',
    flags: ['device'],
    python: { flag: 'serial_port' },
    env: 'SERIAL_PORT',
    option: 'device',
    addon: 'device(subsystem=tty)',
    default: '/dev/ttyUSB0',
    help: 'without {flag} (or {env}) it reads {default} and the log says so; name the serial adapter by its /dev/serial/by-id/… path, or a TCP serial bridge (ser2net, ESP) as tcp://HOST:PORT',
    summary: (c) => `source ${describeSource(c.source)}`,
  }),
  baud_rate: option({
    group: 'source',
    arg: 'N',
    flags: ['baud'],
    option: 'baud_rate',
    schema: integer(300, 921_600),
    expected: 'expected a baud rate such as 2400',
    default: 2400,
    help: 'the serial speed',
  }),
  parity: option({
    group: 'source',
    arg: PARITIES.join('|'),
    flags: ['parity'],
    option: 'parity',
    addon: `list(${PARITIES.join('|')})?`,
    schema: z.enum(PARITIES),
    expected: 'expected none, even or odd (the meters use even: 8E1)',
    default: 'even',
    help: 'the serial parity',
  }),
  data_bits: option({
    group: 'source',
    arg: '7|8',
    flags: ['data-bits'],
    schema: z.pipe(
      z.enum(['7', '8']),
      z.transform((bits): 7 | 8 => (bits === '7' ? 7 : 8)),
    ),
    expected: 'expected 7 or 8',
    default: 8,
    help: 'data bits',
  }),
  stop_bits: option({
    group: 'source',
    arg: '1|2',
    flags: ['stop-bits'],
    schema: z.pipe(
      z.enum(['1', '2']),
      z.transform((bits): 1 | 2 => (bits === '1' ? 1 : 2)),
    ),
    expected: 'expected 1 or 2',
    default: 1,
    help: 'stop bits',
  }),
  replay: option({
    group: 'source',
    arg: 'FILE',
    flags: ['replay'],
    help: 'play a capture (raw or hex) instead; exits 0 once its last telegram is published (1 if none could be)',
  }),
  replay_pace: option({
    group: 'source',
    arg: 'original|fast',
    flags: ['replay-pace'],
    schema: z.enum(['original', 'fast']),
    expected: 'expected original or fast',
    default: 'original',
    help: 'original: one telegram every replay interval; fast: as fast as they decode',
  }),
  replay_interval: option({
    group: 'source',
    arg: 'SECONDS',
    flags: ['replay-interval'],
    schema: z.coerce.number().check(z.minimum(0), z.maximum(3600)),
    expected: 'expected seconds from 0 to 3600',
    default: 5,
    help: 'the pace of an original-paced replay',
  }),
  replay_keep_running: option({
    group: 'source',
    switch: { flag: 'replay-keep-running', sets: 'true' },
    schema: z.pipe(
      z.string(),
      z.transform(() => true),
    ),
    default: false,
    help: 'go on serving MQTT and the web page after the last telegram of the replay',
  }),
  capture: option({
    group: 'source',
    arg: 'FILE',
    flags: ['capture'],
    option: 'capture_file',
    addon: 'str?',
    help: 'also append every raw byte received to FILE',
    summary: (c) => (c.capture === undefined ? undefined : `capture ${c.capture}`),
  }),
};

function describeSource(source: SourceConfig): string {
  switch (source.kind) {
    case 'serial': {
      return `serial ${source.device}${source.deviceDefaulted === true ? ' (the default: no device given)' : ''} ${describeSerial(source)}`;
    }
    case 'tcp':
      return `tcp://${source.host}:${source.port}`;
    case 'replay':
      return `replay ${source.file} (${source.pace}${source.keepRunning ? ', keeps running at the end' : ''})`;
  }
}
