import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { AXDR, type DlmsValue } from '../../src/dlms/axdr.js';
import {
  encodeHdlcMeterTelegram,
  HDLC_LAYOUTS,
  type HdlcLayout,
} from '../../src/encode/hdlc-meter-telegram.js';
import { encodePositionalBody } from '../../src/encode/positional-push.js';
import type { PushInput } from '../../src/encode/push-layouts.js';
import { isMeterError } from '../../src/errors.js';
import { buildTelegram, type Telegram, type TelegramValues } from '../../src/meter/meter-model.js';
import { chunksArb, pushInputArb, split } from '../support/arbitraries.js';
import { hex } from '../support/vectors.js';

/**
 * Random register values → the encoder of each HDLC layout (positional Wiener Netze / IM350 / Burgenland,
 * and the E450's flat OBIS list in general block transfer) → any chunking → TelegramDecoder: the same
 * values come out, under the same value keys, with the GCM tag verified where the layout sends one.
 */

const EK = hex('000102030405060708090A0B0C0D0E0F');
const AK = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const TITLES: Readonly<Record<HdlcLayout, string>> = {
  'wiener-netze-am550': '49534B6974000001',
  im350: '534D536775000001',
  'burgenland-e450': '4C475A6772000001',
  'e450-gbt': '4C475A6773000001',
};

const extrasArb = fc.record({
  reactivePowerInVar: fc.integer({ min: 0, max: 0xffffffff }),
  reactivePowerOutVar: fc.integer({ min: 0, max: 0xffffffff }),
  energyInT2Wh: fc.integer({ min: 0, max: 0xffffffff }),
  energyOutT2Wh: fc.integer({ min: 0, max: 0xffffffff }),
  reactiveEnergyInT2Varh: fc.integer({ min: 0, max: 0xffffffff }),
  reactiveEnergyOutT2Varh: fc.integer({ min: 0, max: 0xffffffff }),
});
type Extras = typeof extrasArb extends fc.Arbitrary<infer T> ? T : never;

const kilo = (raw: number): number => raw / 1000;

/** What the decoder must publish for what the encoder was given. */
function expectedValues(layout: HdlcLayout, input: PushInput, x: Extras): TelegramValues {
  const r = input.registers;
  const power = Math.round((r.powerInW - r.powerOutW) * 1e6) / 1e6;
  if (layout === 'burgenland-e450') {
    const [v1, v2, v3] = r.voltageDecivolts.map((dv) => Math.round(dv / 10)) as [number, number, number];
    const [i1, i2, i3] = r.currentCentiamps.map((ca) => ca / 100) as [number, number, number];
    return {
      energy_in: kilo(r.energyInWh),
      energy_out: kilo(r.energyOutWh),
      power_in: r.powerInW,
      power_out: r.powerOutW,
      power,
      voltage_l1: v1,
      voltage_l2: v2,
      voltage_l3: v3,
      current_l1: i1,
      current_l2: i2,
      current_l3: i3,
      meter_id: input.meterNumber,
    };
  }
  const common: TelegramValues = {
    energy_in: kilo(r.energyInWh),
    energy_out: kilo(r.energyOutWh),
    reactive_energy_in: kilo(r.reactiveEnergyInVarh),
    reactive_energy_out: kilo(r.reactiveEnergyOutVarh),
    power_in: r.powerInW,
    power_out: r.powerOutW,
    power,
    reactive_power_in: x.reactivePowerInVar,
    reactive_power_out: x.reactivePowerOutVar,
  };
  if (layout === 'wiener-netze-am550') return common;
  if (layout === 'im350') return { ...common, meter_id: input.meterNumber };
  const t2In = Math.min(r.energyInWh, x.energyInT2Wh);
  const t2Out = Math.min(r.energyOutWh, x.energyOutT2Wh);
  return {
    ...common,
    energy_in_t1: kilo(r.energyInWh - t2In),
    energy_in_t2: kilo(t2In),
    energy_out_t1: kilo(r.energyOutWh - t2Out),
    energy_out_t2: kilo(t2Out),
  };
}

describe('HDLC layouts: encoder → TelegramDecoder round trip', () => {
  for (const layout of HDLC_LAYOUTS) {
    it(`${layout}: random registers, any chunking, give the same values back`, () => {
      fc.assert(
        fc.property(
          pushInputArb,
          extrasArb,
          fc.integer({ min: 1, max: 0xfffffff0 }),
          fc.integer({ min: 0, max: 10_000 }),
          (input, extras, frameCounter, seed) => {
            const frames = [0, 1].flatMap((n) =>
              encodeHdlcMeterTelegram(
                layout,
                input,
                {
                  encryptionKey: EK,
                  authenticationKey: AK,
                  systemTitle: hex(TITLES[layout]),
                  frameCounter: frameCounter + n,
                  invokeId: frameCounter + n,
                },
                extras,
              ),
            );
            const bytes = Buffer.concat(frames);
            const cuts = fc.sample(chunksArb(bytes.length), { seed, numRuns: 1 })[0] ?? [];
            const decoder = new TelegramDecoder({ encryptionKey: EK, authenticationKey: AK });
            const events = [...split(bytes, cuts).flatMap((c) => decoder.push(c)), ...decoder.end()];
            assert.deepEqual(
              events.flatMap((e) => (e.kind === 'rejected' ? [e.error.code] : [])),
              [],
            );
            const telegrams = events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
            assert.equal(telegrams.length, 2);
            const t = telegrams[1] as Telegram;
            assert.equal(decoder.framing, 'hdlc');
            assert.equal(t.frameCounter, frameCounter + 1);
            assert.equal(t.systemTitle, TITLES[layout]);
            assert.deepEqual(t.values, expectedValues(layout, input, extras));
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

/** The pieces positional push lists are made of, and some that are not, in any order and number. */
const itemArb: fc.Arbitrary<DlmsValue> = fc.oneof(
  fc
    .integer({ min: 0, max: 0xffff })
    .map((value): DlmsValue => ({ type: 'integer', tag: AXDR.longUnsigned, value })),
  fc
    .integer({ min: 0, max: 0xffffffff })
    .map((value): DlmsValue => ({ type: 'integer', tag: AXDR.doubleLongUnsigned, value })),
  fc.uint8Array({ maxLength: 20 }).map((bytes): DlmsValue => ({ type: 'octet-string', bytes })),
  fc
    .stringMatching(/^[0-9A-Z]{1,16}$/)
    .map((t): DlmsValue => ({ type: 'octet-string', bytes: Buffer.from(t, 'latin1') })),
  fc.constant<DlmsValue>({ type: 'octet-string', bytes: hex('07E50A0D03071E3900FF8880') }),
  fc.constant<DlmsValue>({ type: 'null' }),
);

describe('positional shapes on any structure', () => {
  it('any structure of 8–15 such items gives a telegram or our codes, never an exception', () => {
    const context = {
      systemTitle: undefined,
      frameCounter: undefined,
      longInvokeIdAndPriority: 1,
      dateTime: undefined,
    };
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 8, maxLength: 15 }), (items) => {
        try {
          const t = buildTelegram(context, { type: 'structure', items });
          for (const value of Object.values(t.values)) {
            assert.ok(typeof value === 'string' || Number.isFinite(value));
          }
        } catch (error) {
          assert.ok(isMeterError(error), String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('real positional shapes with up to three items swapped for others: a telegram or our codes', () => {
    const context = {
      systemTitle: undefined,
      frameCounter: undefined,
      longInvokeIdAndPriority: 1,
      dateTime: undefined,
    };
    const layout = fc.constantFrom(
      'wiener-netze-am550' as const,
      'im350' as const,
      'burgenland-e450' as const,
    );
    const swaps = fc.array(fc.tuple(fc.nat(), itemArb), { maxLength: 3 });
    fc.assert(
      fc.property(layout, pushInputArb, swaps, (l, input, edits) => {
        const body = encodePositionalBody(l, input);
        const items = [...(body.type === 'structure' ? body.items : [])];
        for (const [at, item] of edits) items[at % items.length] = item;
        try {
          const t = buildTelegram(context, { type: 'structure', items });
          if (edits.length === 0) assert.equal(t.values.energy_in, input.registers.energyInWh / 1000);
        } catch (error) {
          assert.ok(isMeterError(error), String(error));
          assert.ok(edits.length > 0, 'an unchanged shape decodes');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
