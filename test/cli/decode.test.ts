import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dsmrFixture } from '../support/dsmr-fixtures.js';
import { concatBytes, framesOf, VECTORS, type Vector } from '../support/vectors.js';

/** `smartmeter-bridge decode` run as users run it: a separate process, stdin or a file, stdout/stderr, exit status. */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const VKW = VECTORS[5] as Vector;
const KEY = VKW.key_hex as string;

type Result = { code: number | null; stdout: string; stderr: string };

function run(args: string[], stdin = '', env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, SERIAL_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const hexText = (bytes: Uint8Array): string =>
  `# VKW capture (${VKW.source})\n${(
    Buffer.from(bytes)
      .toString('hex')
      .match(/.{1,48}/g) ?? []
  )
    .map((l) => l.replace(/(..)/g, '$1 '))
    .join('\n')}\n`;

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('smartmeter-bridge decode', () => {
  it('decodes hex text with comments and line breaks from stdin', async () => {
    const result = await run(['decode', '--key', KEY], hexText(concatBytes(framesOf(VKW))));
    assert.equal(result.code, 0, result.stderr);
    const [telegram, ...more] = lines(result.stdout);
    assert.equal(more.length, 0);
    assert.ok(telegram);
    assert.equal(telegram['meter_id'], '1KFM0200175269');
    assert.equal(telegram['system_title'], '4B464D102002ACA5');
    assert.equal(telegram['frame_counter'], 2554820);
    assert.equal(telegram['time'], '2023-07-26T20:05:20+02:00');
    assert.equal((telegram['values'] as Record<string, unknown>)['energy_in'], 3744.082);
    assert.deepEqual((telegram['obis'] as Record<string, unknown>)['1-0:1.8.0.255'], {
      value: 3744082,
      unit: 'Wh',
    });
    assert.equal(result.stderr, '');
  });

  it('decodes a binary capture file; the key may have spaces and colons; SERIAL_KEY works too', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'decode-')), 'capture.bin');
    writeFileSync(file, concatBytes(framesOf(VKW)));
    const spaced = KEY.match(/.{2}/g)?.join(':') ?? '';
    const withFlag = await run(['decode', '--key', spaced, file]);
    const withEnv = await run(['decode', file], '', { SERIAL_KEY: KEY });
    assert.equal(withFlag.code, 0, withFlag.stderr);
    assert.equal(withEnv.code, 0, withEnv.stderr);
    assert.equal(lines(withFlag.stdout)[0]?.['frame_counter'], 2554820);
    assert.equal(withEnv.stdout, withFlag.stdout);
  });

  it('a wrong key: WRONG_KEY on stderr in words, nothing on stdout, exit 1, and no key beyond its first 4 digits', async () => {
    const wrong = '00112233445566778899AABBCCDDEEFF';
    const result = await run(['decode', '--key', wrong], hexText(concatBytes(framesOf(VKW))));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const [rejection] = lines(result.stderr);
    assert.equal(rejection?.['code'], 'WRONG_KEY');
    assert.match(String(rejection?.['message']), /key does not fit this meter/);
    assert.ok(!result.stderr.includes(wrong.slice(4)));
  });

  it('a malformed key is a clear error before anything is read: exit 2', async () => {
    const result = await run(['decode', '--key', KEY.slice(1)], 'not read');
    assert.equal(result.code, 2);
    const [error] = lines(result.stderr);
    assert.equal(error?.['code'], 'CONFIG_INVALID');
    assert.match(String(error?.['message']), /32 hex digits/);
  });

  it('a missing file: exit 2 with the reason', async () => {
    const result = await run(['decode', '--key', KEY, '/nonexistent/capture.bin']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ENOENT|no such file/i);
  });

  it('the raw stream of vector 7 gives exactly one telegram; the OMS meter of vector 22 decodes', async () => {
    const stream = await run(['decode', '--key', KEY], (VECTORS[7] as Vector).raw_stream_hex);
    assert.equal(stream.code, 0);
    assert.equal(lines(stream.stdout).length, 1);
    const oms = VECTORS[22] as Vector;
    const result = await run(['decode', '--key', oms.key_hex as string], oms.frames_hex.join('\n'));
    assert.equal(result.code, 0, result.stderr);
    const [telegram, ...more] = lines(result.stdout);
    assert.equal(more.length, 0);
    assert.ok(telegram);
    assert.equal((telegram['values'] as Record<string, unknown>)['energy_in'], 17931.54);
  });

  it('a bare APDU pasted as hex (the T210-D-r): decoded with both keys; without the AK decoded too, with a note in words', async () => {
    const t210 = dsmrFixture('t210d-r-energienetze-steiermark');
    const apdu = t210.apdu_hex as string;
    const keys = ['--key', t210.key_hex as string, '--auth-key', t210.auth_key_hex as string];
    const decoded = await run(['decode', ...keys], apdu);
    assert.equal(decoded.code, 0, decoded.stderr);
    const [telegram] = lines(decoded.stdout);
    assert.ok(telegram);
    assert.equal((telegram['values'] as Record<string, unknown>)['energy_in'], 6545.766);
    const noAk = await run(['decode', '--key', t210.key_hex as string], apdu);
    assert.equal(noAk.code, 0, noAk.stderr);
    assert.deepEqual(lines(noAk.stdout), lines(decoded.stdout));
    const notes = lines(noAk.stderr);
    assert.equal(notes.length, 1, noAk.stderr);
    assert.match(String(notes[0]?.['note']), /not verified.*authentication key \(AK/);
    assert.equal(lines(decoded.stderr).length, 0, decoded.stderr);
  });

  it('decodes an HDLC capture file: the L+G E450 block transfer of vector 18, with its authentication key', async () => {
    const e450 = VECTORS[18] as Vector;
    const file = join(mkdtempSync(join(tmpdir(), 'decode-')), 'e450.bin');
    writeFileSync(file, concatBytes(framesOf(e450)));
    const result = await run([
      'decode',
      '--key',
      e450.key_hex as string,
      '--auth-key',
      e450.auth_key_hex as string,
      file,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const [telegram, ...more] = lines(result.stdout);
    assert.equal(more.length, 0);
    assert.ok(telegram);
    assert.equal(telegram['system_title'], e450.system_title_hex);
    assert.equal((telegram['values'] as Record<string, unknown>)['energy_in'], 4408.736);
  });

  it('an HDLC push whose layout is positional (vector 12, Netz Burgenland E450) decodes, its tag verified', async () => {
    const v = VECTORS[12] as Vector;
    const args = ['decode', '--key', v.key_hex as string, '--auth-key', v.auth_key_hex as string];
    const result = await run(args, v.frames_hex.join('\n'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const [telegram, ...more] = lines(result.stdout);
    assert.equal(more.length, 0);
    assert.equal(telegram?.['meter_id'], '30137181');
    const values = telegram?.['values'] as Record<string, unknown>;
    assert.deepEqual(
      [values['energy_in'], values['voltage_l1'], values['current_l3']],
      [31358.606, 236, 0.26],
    );
  });

  it('input without any frame says why, in one line: empty, or noise', async () => {
    const cases: [string, string, RegExp][] = [
      ['', 'TRUNCATED', /the input is empty/],
      // 512 bytes counting up: no 68 L L 68 header with a valid checksum and stop byte among them.
      [
        Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)).toString('hex'),
        'FRAME_INVALID',
        /in 512 bytes: .*8E1/,
      ],
      // Vector 12's HDLC frame with its FCS broken: it starts like HDLC, and no frame passes the checks.
      [
        (VECTORS[12] as Vector).frames_hex[0]?.replace(/..(..)$/, '00$1') ?? '',
        'FRAME_INVALID',
        /no HDLC frame .* 9600 or 115200 baud 8N1/,
      ],
    ];
    for (const [input, code, message] of cases) {
      const result = await run(['decode', '--key', KEY], input);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      const errors = lines(result.stderr);
      assert.equal(errors.length, 1, result.stderr);
      assert.equal(errors[0]?.['code'], code);
      assert.match(String(errors[0]?.['message']), message);
    }
  });

  it('empty input: exit 1; --help: exit 0 with usage; an unknown command: exit 2', async () => {
    assert.equal((await run(['decode', '--key', KEY], '')).code, 1);
    const help = await run(['decode', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: smartmeter-bridge decode/);
    assert.equal((await run(['frobnicate'])).code, 2);
  });
});
