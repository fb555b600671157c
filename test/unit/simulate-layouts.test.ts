import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { CliIo } from '../../src/cli/io.js';
import { runSimulate } from '../../src/cli/simulate.js';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import {
  needsAuthKey,
  SIMULATOR_LAYOUTS,
  type SimulatorLayout,
} from '../../src/simulator/simulator-layouts.js';
import { hex } from '../support/vectors.js';

/**
 * `simulate --layout L --out FILE` for every layout: the capture it writes reads back as L's telegrams,
 * through the decoder, whatever its framing (M-Bus, HDLC, bare APDU, OMS). The layouts with a GCM tag
 * refuse to start without --auth-key.
 */

const KEY = '000102030405060708090A0B0C0D0E0F';
const AUTH_KEY = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';
const COUNT = 3;

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdin: Readable.from([]),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    stderrIsTTY: false,
    out,
    err,
  };
}

async function simulate(layout: SimulatorLayout): Promise<Uint8Array> {
  const file = join(mkdtempSync(join(tmpdir(), 'simulate-')), `${layout}.bin`);
  const cli = io();
  const args = ['--key', KEY, '--auth-key', AUTH_KEY, '--layout', layout, '--out', file];
  const status = await runSimulate([...args, '--interval', '0', '--count', String(COUNT)], cli);
  assert.equal(status, 0, cli.err.join(''));
  return readFileSync(file);
}

/** energy_in of each telegram in the capture, through the decoder as `run` reads it. */
function energyIn(layout: SimulatorLayout, bytes: Uint8Array): number[] {
  const decoder = new TelegramDecoder({ encryptionKey: hex(KEY), authenticationKey: hex(AUTH_KEY) });
  const events = [...decoder.push(bytes), ...decoder.end()];
  assert.deepEqual(
    events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : [])),
    [],
  );
  const telegrams = events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
  for (const t of telegrams) {
    assert.notEqual(t.tagUnchecked, true, layout);
    if (layout === 't210d-r-p1') {
      const { energy_in, energy_in_t1, energy_in_t2 } = t.values;
      assert.equal(energy_in, Math.round((Number(energy_in_t1) + Number(energy_in_t2)) * 1000) / 1000);
    }
  }
  return telegrams.map((t) => t.values.energy_in as number);
}

describe('simulate --layout', () => {
  for (const layout of SIMULATOR_LAYOUTS) {
    it(`${layout}: the capture reads back as ${COUNT} telegrams with rising energy totals`, async () => {
      const totals = energyIn(layout, await simulate(layout));
      assert.equal(totals.length, COUNT);
      for (let i = 1; i < totals.length; i++) assert.ok((totals[i] as number) >= (totals[i - 1] as number));
      assert.ok((totals[0] as number) > 1000);
    });
  }

  it('the layouts whose meters send a GCM tag need --auth-key, and say so', async () => {
    assert.deepEqual(SIMULATOR_LAYOUTS.filter(needsAuthKey), ['burgenland-e450', 'e450-gbt', 't210d-r-p1']);
    const cli = io();
    const status = await runSimulate(
      ['--key', KEY, '--layout', 'burgenland-e450', '--out', '/dev/null'],
      cli,
    );
    assert.equal(status, 2);
    assert.match(cli.err.join(''), /--auth-key: the burgenland-e450 meter sends a GCM tag/);
  });

  it('an unknown layout lists the ones there are', async () => {
    const cli = io();
    assert.equal(await runSimulate(['--key', KEY, '--layout', 'wiener', '--out', '/dev/null'], cli), 2);
    assert.match(
      cli.err.join(''),
      /--layout: one of .*wiener-netze-am550, im350, burgenland-e450, e450-gbt, t210d-r-p1, amis/,
    );
  });
});
