import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { createLogger } from '../../src/log.js';
import { PushSource } from '../support/push-source.js';
import { TEST_KEY, testTelegram } from '../support/test-meter.js';

/**
 * What the bridge's log says about lost telegrams: a port opened while the meter was sending joins the line in
 * the middle of a telegram, which is expected about one start in four and said as information; a segment lost
 * once telegrams flow is a warning, with its code.
 */

/** An M-Bus telegram's segments after the first one (a long frame is its L field + 6 bytes). */
function withoutFirstSegment(telegram: Uint8Array): Uint8Array {
  return telegram.subarray((telegram[1] ?? 0) + 6);
}

function setUp() {
  const source = new PushSource();
  const lines: string[] = [];
  const log = createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } });
  const bridge = new Bridge({ keys: { encryptionKey: TEST_KEY }, logConsole: false }, { source, log });
  bridge.start();
  return { source, lines, bridge };
}

describe('bridge log: lost telegrams', () => {
  it('the rest of a telegram the port opened into: information, counted, and the next telegrams decode', () => {
    const { source, lines, bridge } = setUp();
    const tail = withoutFirstSegment(testTelegram(500));
    assert.ok(tail.length > 0 && tail[0] === 0x68, 'a second M-Bus segment');
    source.push(tail, testTelegram(501), testTelegram(502));
    assert.equal(bridge.stats.rejectedByCode.SEGMENT_MISSING, 1);
    assert.equal(bridge.stats.telegramsDecoded, 1, 'the second telegram confirms the meter and is published');
    assert.deepEqual(
      lines.filter((l) => l.includes('WARN')),
      [],
      'no warning for joining the line',
    );
    assert.ok(lines.some((l) => l.includes('INFO') && l.includes('opened in the middle of a telegram')));
  });

  it('a segment lost after telegrams decoded is a warning with its code', () => {
    const { source, lines } = setUp();
    source.push(testTelegram(600), testTelegram(601), withoutFirstSegment(testTelegram(602)));
    assert.ok(
      lines.some((l) => l.includes('WARN') && l.includes('SEGMENT_MISSING')),
      lines.join(''),
    );
    assert.equal(lines.filter((l) => l.includes('opened in the middle')).length, 0);
  });
});
