import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DiskQueue } from '../../src/sinks/disk-queue.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'queue-'));

describe('disk queue', () => {
  it('keeps lines in order across segments and across a restart', () => {
    const path = dir();
    const queue = new DiskQueue(path, 1_000_000);
    for (let i = 0; i < 1200; i++) assert.ok(queue.push(`line ${i}`));
    const reopened = new DiskQueue(path, 1_000_000);
    const seen: string[] = [];
    for (let batch = reopened.peek(); batch !== undefined; batch = reopened.peek()) {
      seen.push(...batch.lines);
      batch.ack();
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 1200 }, (_, i) => `line ${i}`),
    );
    assert.equal(reopened.size, 0);
    assert.deepEqual(readdirSync(path), []);
  });

  it('a line that arrives while its segment is being sent is not lost when that segment is acknowledged', () => {
    const queue = new DiskQueue(dir(), 1_000_000);
    queue.push('a');
    queue.push('b');
    const inFlight = queue.peek();
    queue.push('c');
    inFlight?.ack();
    assert.deepEqual(inFlight?.lines, ['a', 'b']);
    assert.deepEqual(queue.peek()?.lines, ['c']);
  });

  it('refuses new lines when full, keeping what it has', () => {
    const queue = new DiskQueue(dir(), 20);
    assert.equal(queue.push('0123456789'), true);
    assert.equal(queue.push('0123456789'), false);
    assert.deepEqual(queue.peek()?.lines, ['0123456789']);
  });
});
