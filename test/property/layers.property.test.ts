import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeApdu } from '../../src/decoder/apdu-decoder.js';
import { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import { type DlmsValue, decodeAxdr } from '../../src/dlms/axdr.js';
import { decodeDataNotification } from '../../src/dlms/data-notification.js';
import { encodeAxdr } from '../../src/encode/axdr-encoder.js';
import { encodeMeterTelegram } from '../../src/encode/meter-telegram.js';
import { PUSH_LAYOUTS, type PushInput, type PushLayout } from '../../src/encode/push-layouts.js';
import { encodeGloCiphering } from '../../src/encode/telegram-encoder.js';
import { isMeterError } from '../../src/errors.js';
import { buildTelegram } from '../../src/meter/meter-model.js';
import { pushInputArb } from '../support/arbitraries.js';
import { hex, KEYED_MBUS, PLAINTEXT_APDUS } from '../support/vectors.js';

/**
 * Properties of the layers behind the framer, reached directly: malformed plaintexts must reach the
 * A-XDR decoder and the meter model (the framer's checksum would stop most of them earlier).
 */

const TEST_KEY = hex('F0E1D2C3B4A5968778695A4B3C2D1E0F');
const TEST_TITLE = hex('5341475905000001');

function onlyMeterErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    assert.ok(isMeterError(error), `escaped: ${String(error)}`);
    assert.doesNotMatch((error as Error).message, /internal decoder error/);
  }
}

const realPlaintexts = [...KEYED_MBUS, ...PLAINTEXT_APDUS].map((v) => hex(v.plaintext_hex as string));

const mutatedPlaintext = fc
  .tuple(
    fc.constantFrom(...realPlaintexts),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([plaintext, edits, cut]) => {
    const bytes = Uint8Array.from(plaintext);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });

describe('layer properties', () => {
  it('random bytes into the A-XDR decoder and the data-notification parser: values or MeterError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        onlyMeterErrors(() => decodeAxdr(bytes));
        onlyMeterErrors(() => decodeDataNotification(Uint8Array.of(0x0f, 0, 0, 0, 1, 0, ...bytes)));
        onlyMeterErrors(() => decodeApdu(bytes, { encryptionKey: TEST_KEY }));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated real plaintexts, encrypted and framed as a meter would, never escape as an exception', () => {
    fc.assert(
      fc.property(mutatedPlaintext, fc.constantFrom(0x20, 0x21), (plaintext, securityControl) => {
        const apdu = encodeGloCiphering({
          systemTitle: TEST_TITLE,
          frameCounter: 7,
          securityControl,
          encryptionKey: TEST_KEY,
          plaintext,
        });
        onlyMeterErrors(() => decodeApdu(apdu, { encryptionKey: TEST_KEY }));
        onlyMeterErrors(() => decodeApdu(plaintext, {}));
      }),
      { numRuns: 2000 },
    );
  });

  it('any A-XDR tree the meter model is given gives a telegram or a MeterError', () => {
    const leaf: fc.Arbitrary<DlmsValue> = fc.oneof(
      fc.uint8Array({ minLength: 6, maxLength: 6 }).map((bytes) => ({
        type: 'octet-string' as const,
        bytes: Uint8Array.from([1, 0, ...bytes.subarray(2)]),
      })),
      fc.uint8Array({ maxLength: 14 }).map((bytes) => ({ type: 'octet-string' as const, bytes })),
      fc.integer({ min: -128, max: 127 }).map((value) => ({ type: 'integer' as const, tag: 0x0f, value })),
      fc
        .integer({ min: 0, max: 0xffffffff })
        .map((value) => ({ type: 'integer' as const, tag: 0x06, value })),
      fc.integer({ min: 0, max: 255 }).map((value) => ({ type: 'enum' as const, value })),
      fc.constant({ type: 'null' as const }),
    );
    const tree = fc.letrec<{ node: DlmsValue }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { maxLength: 6 }).map((items) => ({ type: 'structure' as const, items })),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (body) => {
        onlyMeterErrors(() =>
          buildTelegram(
            {
              systemTitle: undefined,
              frameCounter: undefined,
              longInvokeIdAndPriority: 1,
              dateTime: undefined,
            },
            body,
          ),
        );
        // And the tree survives the wire: encode → decode is the identity.
        assert.deepEqual(decodeAxdr(encodeAxdr(body)), body);
      }),
      { numRuns: 1000 },
    );
  });

  it('random readings round-trip through every layout (KSM-West 3- and 1-phase, EVN, T210-D)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PUSH_LAYOUTS),
        pushInputArb,
        fc.integer({ min: 0, max: 0xffffffff }),
        (layout, input, frameCounter) => {
          const frames = encodeMeterTelegram(layout, input, {
            encryptionKey: TEST_KEY,
            systemTitle: TEST_TITLE,
            frameCounter,
            invokeId: 42,
          });
          const decoder = new TelegramDecoder({ encryptionKey: TEST_KEY });
          const events = [...frames.flatMap((f) => decoder.push(f)), ...decoder.end()];
          const telegrams = events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
          assert.equal(telegrams.length, 1, JSON.stringify(events.filter((e) => e.kind === 'rejected')));
          const telegram = telegrams[0];
          assert.ok(telegram);
          assert.equal(telegram.frameCounter, frameCounter);
          assert.deepEqual(telegram.values, expectedValues(layout, input));
          const t = input.time;
          const offset = t.utcOffsetMinutes === 120 ? '+02:00' : '+01:00';
          const two = (n: number): string => n.toString().padStart(2, '0');
          assert.equal(
            telegram.time,
            `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}${offset}`,
          );
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** What the decoder must publish for a reading, written out independently of the meter model. */
function expectedValues(layout: PushLayout, input: PushInput): Record<string, number | string> {
  const r = input.registers;
  const threePhase = layout !== 'ksm-west-1phase';
  const ksm = layout === 'ksm-west' || layout === 'ksm-west-1phase';
  const out: Record<string, number | string> = {
    energy_in: r.energyInWh / 1000,
    energy_out: r.energyOutWh / 1000,
  };
  if (ksm) {
    out['reactive_energy_in'] = r.reactiveEnergyInVarh / 1000;
    out['reactive_energy_out'] = r.reactiveEnergyOutVarh / 1000;
  }
  out['power_in'] = r.powerInW;
  out['power_out'] = r.powerOutW;
  out['power'] = r.powerInW - r.powerOutW;
  const phases = threePhase ? [1, 2, 3] : [1];
  for (const l of phases) out[`voltage_l${l}`] = (r.voltageDecivolts[l - 1] as number) / 10;
  for (const l of phases) out[`current_l${l}`] = (r.currentCentiamps[l - 1] as number) / 100;
  if (!ksm) out['power_factor'] = r.powerFactorMilli / 1000;
  out['meter_id'] = input.meterNumber;
  if (ksm) out['device_name'] = input.deviceName;
  return out;
}
