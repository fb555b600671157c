import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The newcomer's path through README.md: two set-up commands (the demo and the tests) that work as root and as a
 * user, the add-on repository's URL where Home Assistant asks for it, and the CLI called the way it runs after
 * the set-up (`npx smartmeter-bridge`). .ci/run runs the README's commands themselves, as root.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced code blocks of README.md, line by line. */
function codeLines(): string[] {
  return [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].flatMap((m) => (m[1] ?? '').split('\n'));
}

describe('README.md', () => {
  it('names exactly two set-up commands: the demo and the tests, which start with tools/test-deps.sh', () => {
    const setUp = /^## Set up\n[\s\S]*?```sh\n([\s\S]*?)```/m.exec(readme)?.[1] ?? '';
    const commands = setUp.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.deepEqual(commands, [
      'npm ci && npm run build && npx smartmeter-bridge demo',
      'tools/test-deps.sh && npm ci && npm test',
    ]);
    // .ci/run finds them by the comments above them.
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    assert.match(ci, /readme_command 'run the tests'/);
    assert.match(ci, /readme_command 'see it work'/);
    assert.match(setUp, /^# run the tests/m);
    assert.match(setUp, /^# see it work/m);
    assert.doesNotMatch(commands.join('\n'), /\bsudo\b/, 'no sudo: a root shell (a container, CI) has none');
  });

  it('calls the CLI as it runs after the set-up: npx smartmeter-bridge, everywhere', () => {
    const calls = codeLines().filter((l) =>
      /\bsmartmeter-bridge (run|decode|demo|simulate|udev-rule)\b/.test(l),
    );
    assert.ok(calls.length >= 5, calls.join('\n'));
    for (const line of calls) assert.match(line, /\bnpx smartmeter-bridge /, line);
    // package.json's bin is what npx runs in this folder.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(pkg.bin['smartmeter-bridge'], 'dist/cli/main.js');
  });

  it("gives the add-on repository's URL (repository.yaml's) and a my.home-assistant.io link that adds it", () => {
    const { url } = parse(readFileSync(join(ROOT, 'repository.yaml'), 'utf8')) as { url: string };
    assert.match(url, /^https:\/\/github\.com\//);
    assert.ok(readme.includes(`\`${url}\``), 'the URL to paste');
    const link =
      /\]\((https:\/\/my\.home-assistant\.io\/redirect\/supervisor_add_addon_repository\/\?[^)]+)\)/.exec(
        readme,
      )?.[1];
    assert.ok(link, 'the "add repository" link');
    assert.equal(new URL(link).searchParams.get('repository_url'), url);
  });

  it('puts --profile before up, where compose takes it', () => {
    for (const line of codeLines().filter((l) => l.includes('--profile')))
      assert.match(line, /compose --profile \S+ up\b/, line);
  });
});

describe('tools/test-deps.sh', () => {
  /**
   * A PATH with stand-ins for apt-get, id and (when given) sudo that write down how they were called; sh's
   * builtins do the rest. Whatever is not on this PATH (or in /usr/sbin, /sbin) counts as missing.
   */
  function run(options: { uid: number; sudo: boolean; aptGet?: boolean }): {
    status: number | null;
    stdout: string;
    stderr: string;
    calls: string[];
  } {
    const bin = mkdtempSync(join(tmpdir(), 'test-deps-'));
    const calls = join(bin, 'calls.log');
    writeFileSync(calls, '');
    const stub = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('id', `echo ${options.uid}`);
    if (options.aptGet !== false) stub('apt-get', `echo "apt-get $*" >> ${calls}`);
    if (options.sudo) stub('sudo', `echo "sudo $1" >> ${calls}; exec "$@"`);
    symlinkSync('/usr/bin/env', join(bin, 'env'));
    const result = spawnSync('/bin/sh', [join(ROOT, 'tools', 'test-deps.sh')], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      calls: readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean),
    };
  }

  it('as root (a container, CI): apt-get itself, update first, only the missing packages', () => {
    const { status, calls, stdout } = run({ uid: 0, sudo: false });
    assert.equal(status, 0);
    assert.match(stdout, /installing .*socat/);
    assert.equal(calls[0], 'apt-get update -qq');
    assert.match(calls[1] ?? '', /^apt-get install -y -qq --no-install-recommends .*\bsocat\b/);
    assert.equal(calls.length, 2);
  });

  it('as a user: through sudo', () => {
    const { status, calls } = run({ uid: 1000, sudo: true });
    assert.equal(status, 0);
    assert.deepEqual(
      calls.map((c) => c.split(' ').slice(0, 3).join(' ')),
      ['sudo env', 'apt-get update -qq', 'sudo env', 'apt-get install -y'],
    );
  });

  it('as a user without sudo, or without apt-get: says what to install, exit 1', () => {
    const noSudo = run({ uid: 1000, sudo: false });
    assert.equal(noSudo.status, 1);
    assert.match(noSudo.stderr, /installing needs root: .*socat/);
    assert.deepEqual(noSudo.calls, []);
    const noApt = run({ uid: 0, sudo: false, aptGet: false });
    assert.equal(noApt.status, 1);
    assert.match(noApt.stderr, /no apt-get here: install these packages .*socat/);
  });
});
