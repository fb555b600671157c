import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyStats, staleHint } from '../../src/bridge/pipeline-stats.js';
import { lineAdvice } from '../../src/config/line-advice.js';
import { type LoadResult, loadConfig } from '../../src/config/load.js';
import { problemNotification } from '../../src/ha/problem-notice.js';

/**
 * Bytes but no frame: the advice the log, the web page and the Home Assistant notification give names what
 * this user's meter sends, not the M-Bus settings to a user with an IR read head.
 */

const KEY = '48704F444F326D5050553033784C3333';

function adviceFor(argv: string[]) {
  const result: LoadResult = loadConfig({ argv: ['--key', KEY, ...argv], env: {}, readTextFile: () => '' });
  if (!result.ok) assert.fail(result.message);
  return lineAdvice(result.config);
}

const bytesNoFrames = { ...emptyStats(), bytesReceived: 5000 };

describe('line advice (bytes arrive, no frame)', () => {
  it('with no operator chosen, names the settings in use and what each interface sends', () => {
    const advice = adviceFor([]);
    assert.match(advice.en, /settings in use are 2400 8E1/);
    assert.match(advice.en, /2400 baud 8E1.*9600 8N1.*115200 8N1/);
    assert.match(advice.en, /grid_operator/);
    assert.match(advice.de, /eingestellt ist 2400 8E1/);
  });

  it("with an operator whose meters the settings do not fit, says both (Wiener Netze's IR port at M-Bus settings)", () => {
    const advice = adviceFor(['--operator', 'wiener-netze', '--baud', '2400', '--parity', 'even']);
    assert.match(
      advice.en,
      /settings in use are 2400 8E1; Wiener Netze's meters send 9600 8N1 on the optical port/,
    );
    assert.match(advice.de, /Wiener Netze senden mit 9600 8N1 an der optischen Schnittstelle/);
    assert.doesNotMatch(advice.en, /M-Bus/);
  });

  it('for a network source, points at the converter', () => {
    const advice = adviceFor(['--operator', 'stromnetz-graz', '--device', 'tcp://192.0.2.7:3333']);
    assert.match(advice.en, /converter/);
    assert.match(advice.en, /115200 8N1 on the P1 port/);
  });

  it('is what the log line and both languages of the Home Assistant notification say', () => {
    const advice = adviceFor(['--operator', 'netz-ooe']);
    assert.equal(staleHint(bytesNoFrames, advice), `bytes arrive but no valid frame: ${advice.en}`);
    const { message } = problemNotification('NO_FRAMES', advice);
    assert.ok(message.includes(advice.en), message);
    assert.ok(message.includes(advice.de), message);
    assert.match(message, /9600 8E1/);
  });
});
