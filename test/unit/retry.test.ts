import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { formatDuration, Retry } from '../../src/source/retry.js';

/**
 * A source that cannot open for hours: the first loss is a warning, each retry a debug line, and at the
 * default log level one line after 1 min, 5 min, 30 min and then every hour says it is still trying and why.
 */
describe('retry: still trying', () => {
  it('says so after 1 min, 5 min, 30 min, then hourly, at the default log level', () => {
    let clock = 0;
    const lines: string[] = [];
    const retry = new Retry(
      { initialMs: 1000, maxMs: 30_000 },
      createLogger({ level: 'info', writer: { write: (l) => lines.push(l) }, now: () => new Date(clock) }),
      () => clock,
    );
    // Every attempt fails; the next one comes after the delay the retry asked for.
    while (clock < 3 * 3600_000 + 60_000) {
      clock += retry.schedule('/dev/ttyUSB0', 'no such file', () => {});
    }
    retry.cancel();
    const said = lines.map((l) => l.replace(/^\S+ /, '').trim());
    assert.equal(said[0], 'WARN  /dev/ttyUSB0: no such file; retrying in 1.0 s');
    const notices = said.slice(1);
    assert.deepEqual(
      notices.map((l) => /after ([\dh min]+) \(/.exec(l)?.[1]),
      ['1 min', '5 min', '30 min', '1 h', '2 h', '3 h'],
      said.join('\n'),
    );
    for (const line of notices)
      assert.match(
        line,
        /^WARN {2}\/dev\/ttyUSB0: still waiting for it after .* \(no such file\); .*next try in 30\.0 s$/,
      );
  });

  it('starts counting again after a success', () => {
    let clock = 0;
    const lines: string[] = [];
    const retry = new Retry(
      { initialMs: 1000, maxMs: 30_000 },
      createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } }),
      () => clock,
    );
    while (clock < 90_000) clock += retry.schedule('tcp://meter:2000', 'refused', () => {});
    retry.succeeded();
    lines.length = 0;
    while (clock < 90_000 + 50_000) clock += retry.schedule('tcp://meter:2000', 'refused', () => {});
    retry.cancel();
    assert.equal(lines.length, 1, 'the loss again, and no notice before a minute has passed');
    assert.match(lines[0] ?? '', /refused; retrying in 1\.0 s/);
  });

  it('formats durations as a person reads them', () => {
    assert.equal(formatDuration(75_000), '1 min');
    assert.equal(formatDuration(3600_000), '1 h');
    assert.equal(formatDuration(5400_000), '1 h 30 min');
  });
});
