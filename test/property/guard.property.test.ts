import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import type { PushLayout } from '../../src/encode/push-layouts.js';
import { TOTALS } from '../../src/meter/plausibility.js';
import { ReadingGuard } from '../../src/meter/reading-guard.js';
import type { ValueKey } from '../../src/meter/value-keys.js';
import { localTime } from '../../src/simulator/meter-simulator.js';
import { concatBytes, hex, KEYED_MBUS } from '../support/vectors.js';

/**
 * The guard against line noise that the M-Bus checksum cannot see: in one frame, one byte goes up by d and
 * another down by d, so the 8-bit sum stays (two flips of bit 7 are the case d = 128). Through AES-CTR the
 * plaintext changes the same way, in any value, the meter number, the clock. Whatever the damage, no total
 * outside the meter's true series is published, and intact telegrams are never held back for long.
 */

const KEY = hex('000102030405060708090A0B0C0D0E0F');
const TITLE = hex('4B464D1020000042');
const METER = '1KFM0200000042';
const DEVICE = 'KFM1200200000042';
const START = Date.UTC(2026, 10, 24, 9, 0, 0);
/** An intact tail long enough for anything held to be confirmed or dropped. */
const INTACT_TAIL = 4;

type Truth = { energyInWh: number[]; energyOutWh: number[] };

function encode(layout: PushLayout, truth: Truth, n: number): Uint8Array[] {
  return encodeMeterTelegram(
    layout,
    {
      time: localTime(new Date(START + n * 5000)),
      meterNumber: layout === 'ksm-west' ? METER : '181220000042',
      deviceName: DEVICE,
      registers: {
        energyInWh: truth.energyInWh[n] as number,
        energyOutWh: truth.energyOutWh[n] as number,
        reactiveEnergyInVarh: 1000 + n,
        reactiveEnergyOutVarh: 2000,
        powerInW: 500,
        powerOutW: 0,
        voltageDecivolts: [2300, 2310, 2320],
        currentCentiamps: [150, 160, 170],
        powerFactorMilli: 990,
      },
    },
    { encryptionKey: KEY, systemTitle: TITLE, frameCounter: 1000 + n, invokeId: n },
  );
}

/** In frame `frame`, byte p of the checksummed region (C … last data byte) + d, byte q − d. */
type Damage = { frame: number; p: number; q: number; d: number };

function damage(frames: Uint8Array[], hit: Damage): Uint8Array[] {
  const out = frames.map((f) => Uint8Array.from(f));
  const frame = out[hit.frame % out.length] as Uint8Array;
  // Checksummed region: from C (index 4) to the byte before CS (length − 2).
  const size = frame.length - 6;
  const p = 4 + (hit.p % size);
  const q = 4 + (hit.q % size);
  if (p === q) return out;
  frame[p] = ((frame[p] as number) + hit.d) & 0xff;
  frame[q] = ((frame[q] as number) - hit.d) & 0xff;
  return out;
}

const scenarioArb = fc.record({
  layout: fc.constantFrom<PushLayout>('ksm-west', 'evn', 't210d'),
  startWh: fc.integer({ min: 0, max: 2 ** 31 }),
  // Up to 95 Wh per 5 s: 68 kW, what a direct-connected meter can draw.
  stepsIn: fc.array(fc.integer({ min: 0, max: 95 }), { minLength: 6, maxLength: 24 }),
  damaged: fc.array(
    fc.option(
      fc.array(
        fc.record({
          frame: fc.nat(),
          p: fc.nat(),
          q: fc.nat(),
          d: fc.oneof(fc.constant(128), fc.integer({ min: 1, max: 255 })),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      { freq: 2 },
    ),
    { minLength: 24, maxLength: 24 },
  ),
});

type Published = { index: number; values: Record<string, number | string> };

describe('reading guard under checksum-preserving line noise (property)', () => {
  it('publishes no total outside the true series, no second meter number, no NaN, and is never blocked for long', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const count = s.stepsIn.length + INTACT_TAIL;
        const truth: Truth = { energyInWh: [s.startWh], energyOutWh: [7_000_000] };
        for (let n = 1; n < count; n++) {
          truth.energyInWh.push((truth.energyInWh[n - 1] as number) + (s.stepsIn[n - 1] ?? 7));
          truth.energyOutWh.push((truth.energyOutWh[n - 1] as number) + (n % 3 === 0 ? 1 : 0));
        }
        const decoder = new TelegramDecoder({ encryptionKey: KEY });
        const guard = new ReadingGuard();
        const published: Published[] = [];
        const intact: boolean[] = [];
        for (let n = 0; n < count; n++) {
          const hits = n < count - INTACT_TAIL ? s.damaged[n] : null;
          let frames = encode(s.layout, truth, n);
          for (const hit of hits ?? []) frames = damage(frames, hit);
          intact.push(hits === null || hits === undefined);
          for (const event of decoder.push(concatBytes(frames))) {
            if (event.kind !== 'telegram') continue;
            const checked = guard.check(event.telegram, START + n * 5000);
            if (checked.ok && checked.identityConfirmed)
              published.push({ index: n, values: { ...checked.telegram.values } });
          }
        }

        const trueSeries: Record<string, number[]> = {
          energy_in: truth.energyInWh.map((wh) => wh / 1000),
          energy_out: truth.energyOutWh.map((wh) => wh / 1000),
        };
        for (const key of ['energy_in', 'energy_out'] as const) {
          const series = trueSeries[key] as number[];
          let last = Number.NEGATIVE_INFINITY;
          for (const p of published) {
            const value = p.values[key];
            if (value === undefined) continue;
            assert.equal(typeof value, 'number');
            const v = value as number;
            // Between two neighbouring true values (equal to one, unless the damage was too small to tell).
            const between = series.some((t, i) => v >= t && v <= (series[i + 1] ?? t));
            assert.ok(between, `${key} ${v} at telegram ${p.index} is not in the true series`);
            assert.ok(v >= last, `${key} went down from ${last} to ${v}`);
            last = v;
          }
          // The intact tail confirms the meter's total before its last telegram.
          assert.equal(last, series[count - 2], `${key}: the last published total`);
        }
        for (const p of published) {
          for (const [key, value] of Object.entries(p.values)) {
            if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} ${value}`);
          }
          const id = p.values['meter_id'];
          if (id !== undefined) assert.equal(id, s.layout === 'ksm-west' ? METER : '181220000042');
          const device = p.values['device_name'];
          if (device !== undefined) assert.equal(device, DEVICE);
        }
        // Never blocked: of three intact telegrams in a row, the third publishes the totals.
        for (let n = 2; n < count; n++) {
          if (!(intact[n] && intact[n - 1] && intact[n - 2])) continue;
          const at = published.find((p) => p.index === n);
          for (const key of TOTALS.filter((k): k is ValueKey => k === 'energy_in' || k === 'energy_out'))
            assert.notEqual(at?.values[key], undefined, `${key} held back at intact telegram ${n}`);
        }
      }),
      {
        numRuns: 300,
        // Found while writing this: a first total pulled down by noise, confirmed by the next telegram alone.
        examples: [
          [
            {
              layout: 't210d',
              startWh: 0,
              stepsIn: [0, 0, 0, 0, 0, 0],
              damaged: [
                null,
                [{ frame: 0, p: 0, q: 36719464, d: 1 }],
                [{ frame: 0, p: 0, q: 972187140, d: 128 }],
                ...Array.from({ length: 21 }, () => null),
              ],
            },
          ],
          // Found in 18,039 runs (seed 1487688906): two damaged telegrams whose meter numbers were unreadable agreed on
          // a meter without a number, and the true meter's telegrams were then held as a change of meter.
          [
            {
              layout: 'evn',
              startWh: 0,
              stepsIn: [0, 0, 0, 0, 0, 0],
              damaged: [
                [{ frame: 0, p: 61235478, q: 0, d: 128 }],
                [{ frame: 0, p: 0, q: 384504306, d: 1 }],
                [{ frame: 0, p: 0, q: 151493319, d: 128 }],
                [{ frame: 1655160873, p: 152171948, q: 0, d: 111 }],
                [
                  { frame: 0, p: 0, q: 10660, d: 128 },
                  { frame: 0, p: 0, q: 0, d: 128 },
                ],
                [
                  { frame: 0, p: 0, q: 753425584, d: 128 },
                  { frame: 381257361, p: 0, q: 882300228, d: 94 },
                ],
                ...Array.from({ length: 18 }, () => null),
              ],
            },
          ],
        ],
      },
    );
  });

  it('any bytes through decoder and guard publish only finite numbers', () => {
    const frames = KEYED_MBUS.flatMap((v) => v.frames_hex.map(hex));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constantFrom(...frames).chain((f) =>
              fc.record({ i: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }).map(({ i, v }) => {
                const out = Uint8Array.from(f);
                out[7 + (i % Math.max(1, out.length - 9))] = v;
                return out;
              }),
            ),
          ),
          { maxLength: 10 },
        ),
        (chunks) => {
          const vector = KEYED_MBUS.find((v) => v.index === 5);
          const decoder = new TelegramDecoder({ encryptionKey: hex(vector?.key_hex as string) });
          const guard = new ReadingGuard();
          let n = 0;
          for (const chunk of chunks) {
            for (const event of decoder.push(chunk)) {
              if (event.kind !== 'telegram') continue;
              const checked = guard.check(event.telegram, START + ++n * 5000);
              if (!checked.ok) continue;
              for (const [key, value] of Object.entries(checked.telegram.values))
                if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} ${value}`);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
