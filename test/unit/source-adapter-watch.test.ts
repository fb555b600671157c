import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { AdapterWatch } from '../../src/source/adapter-watch.js';

describe('AdapterWatch', () => {
  it('watches a missing folder through its parent and follows it down as udev makes it again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'adapter-watch-'));
    const byId = join(root, 'serial', 'by-id');
    let changes = 0;
    let next: (() => void) | undefined;
    const changed = (): Promise<void> => new Promise((resolve) => (next = resolve));
    // The watchers do not keep the process alive (in the bridge the retry timer does); this deadline does.
    const deadline = setTimeout(() => assert.fail(`no change noticed (${changes} so far)`), 60_000);
    const watch = new AdapterWatch(
      [byId, root],
      () => {
        changes++;
        next?.();
      },
      silentLogger,
    );
    try {
      let waiting = changed();
      mkdirSync(join(root, 'serial'));
      await waiting; // seen in root; now watching root/serial
      waiting = changed();
      mkdirSync(byId);
      await waiting; // seen in root/serial; now watching root/serial/by-id
      waiting = changed();
      symlinkSync('../../ttyUSB0', join(byId, 'usb-FTDI_A10KXYZ-if00-port0'));
      await waiting; // seen in the by-id folder itself
      assert.equal(changes, 3, 'one call per change: events within the settle time are one call');
    } finally {
      clearTimeout(deadline);
      watch.close();
      rmSync(root, { recursive: true });
    }
  });
});
