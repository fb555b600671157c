import { existsSync, type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';

/**
 * Notices that a vanished adapter may be back: watches the folders its device node or link appears in
 * (`/dev/serial/by-id`, `/dev`) and calls `changed` a moment after an entry in one of them was created,
 * removed or renamed, so the source can reopen at once instead of waiting out its backoff.
 *
 * A folder that does not exist (udev removes `/dev/serial/by-id` with the last adapter) is watched through
 * its nearest existing parent, and the watchers move down again after every change. Best effort only:
 * fs.watch may be unavailable or miss events, so the source keeps its retry timer; a watcher that cannot
 * be set up or fails is logged at debug and dropped.
 */

/** Lets udev finish what it does for one plug-in (device node, permissions, by-id link) before `changed`. */
const SETTLE_MS = 250;

export class AdapterWatch {
  private watchers: FSWatcher[] = [];
  private settling: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly folders: readonly string[],
    private readonly changed: () => void,
    private readonly log: Logger,
  ) {
    this.arm();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.settling);
    this.unarm();
  }

  private arm(): void {
    this.unarm();
    for (const folder of new Set(this.folders.map(nearestExisting))) {
      try {
        const watcher = watch(folder, { persistent: false }, (type) => {
          // 'change' is a write or chmod of an existing entry (every write to /dev/null): not a plug-in.
          if (type === 'rename') this.noticed();
        });
        watcher.on('error', (error) => {
          this.log.debug(`watching ${folder} failed (${error.message}); the retry timer still runs`);
          watcher.close();
        });
        this.watchers.push(watcher);
      } catch (error) {
        this.log.debug(`cannot watch ${folder} (${(error as Error).message}); the retry timer still runs`);
      }
    }
  }

  private unarm(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  private noticed(): void {
    if (this.closed || this.settling !== undefined) return;
    this.settling = setTimeout(() => {
      this.settling = undefined;
      if (this.closed) return;
      this.arm(); // before `changed` looks, so that nothing created after its look goes unnoticed
      this.changed();
    }, SETTLE_MS);
  }
}

function nearestExisting(folder: string): string {
  let dir = folder;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
