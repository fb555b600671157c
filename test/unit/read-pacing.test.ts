import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadPacing } from '../../src/source/read-pacing.js';

const BYTE_MS = ReadPacing.byteMs(2400, 8, true, 1);

describe('read pacing', () => {
  it('one byte at 2400 8E1 is 11 bits', () => {
    assert.ok(Math.abs(BYTE_MS - 11000 / 2400) < 1e-9);
  });

  it('at the line pace, waits for the awaited bytes short of the last ones, so the last byte still wakes the reader', () => {
    const pacing = new ReadPacing(BYTE_MS);
    pacing.read(3, 0, true);
    pacing.read(3, 14, true);
    const wait = pacing.waitFor(250);
    assert.ok(wait > 0 && wait < 249 * BYTE_MS, `${wait}`);
    assert.equal(pacing.waitFor(1), 0);
    assert.equal(pacing.waitFor(5), 0);
    // What gathered while it waited is no sign of a fast link.
    pacing.read(244, 14 + wait, false);
    assert.ok(pacing.waitFor(250) > 0);
  });

  it('a large chunk on a wake-up: no waiting for that frame', () => {
    const pacing = new ReadPacing(BYTE_MS);
    pacing.read(3, 0, true);
    pacing.read(200, 5000, true);
    assert.equal(pacing.waitFor(100), 0);
    pacing.read(3, 5014, true);
    assert.ok(pacing.waitFor(100) > 0);
  });

  it('more than the line can carry since the last read (a pseudo-terminal): no waiting for a minute', () => {
    const pacing = new ReadPacing(BYTE_MS);
    pacing.read(3, 0, true);
    pacing.read(100, 10, false);
    pacing.read(3, 5000, true);
    assert.equal(pacing.waitFor(250), 0);
    pacing.read(3, 59_000, true);
    assert.equal(pacing.waitFor(250), 0);
    pacing.read(3, 70_100, true);
    assert.ok(pacing.waitFor(250) > 0);
  });
});
