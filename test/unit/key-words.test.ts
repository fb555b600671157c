import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecoderEvent, TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import type { DlmsKeys } from '../../src/dlms/decrypt.js';
import { encodeDsmrText } from '../../src/encode/dsmr-encoder.js';
import { encodeGloCiphering, encodeMbusSegments } from '../../src/encode/telegram-encoder.js';
import { WRONG_KEY_ADVICE } from '../../src/errors.js';
import { mbusChecksum } from '../../src/mbus/mbus-frame.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';

/** What a user reads when a key does not fit, whichever protocol the meter speaks. */

function run(bytes: Uint8Array, keys: DlmsKeys, chunks = 1): DecoderEvent[] {
  const decoder = new TelegramDecoder(keys);
  const size = Math.ceil(bytes.length / chunks);
  const events: DecoderEvent[] = [];
  for (let at = 0; at < bytes.length; at += size) events.push(...decoder.push(bytes.subarray(at, at + size)));
  events.push(...decoder.end());
  return events;
}

const rejected = (events: readonly DecoderEvent[]) =>
  events.flatMap((e) => (e.kind === 'rejected' ? [e.error] : []));
const telegrams = (events: readonly DecoderEvent[]) =>
  events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));

const AMIS = VECTORS[22] as Vector;
const AMIS_FRAME = hex(AMIS.frames_hex[0] as string);
const DLMS = VECTORS[5] as Vector;

describe('WRONG_KEY in the same words', () => {
  it('an AMIS telegram with the wrong key (plaintext not 2F 2F) and a DLMS one say the same advice', () => {
    const wrong = '00112233445566778899AABBCCDDEEFF';
    const [oms] = rejected(run(AMIS_FRAME, { encryptionKey: hex(wrong) }));
    const [dlms] = rejected(run(concatBytes(framesOf(DLMS)), { encryptionKey: hex(wrong) }));
    for (const error of [oms, dlms]) {
      assert.equal(error?.code, 'WRONG_KEY');
      assert.match(error?.message ?? '', /^The key does not fit this meter: /);
      assert.ok(error?.message.endsWith(WRONG_KEY_ADVICE), error?.message);
    }
    assert.match(oms?.message ?? '', /OMS telegram from meter SAM 00000000/);
  });

  it('the AMIS vector twice, whole or byte by byte through the decoder, is two telegrams', () => {
    const keys = { encryptionKey: hex(AMIS.key_hex as string) };
    const whole = telegrams(run(concatBytes([hex('00E5'), AMIS_FRAME, AMIS_FRAME]), keys));
    const bytewise = telegrams(
      run(concatBytes([hex('00E5'), AMIS_FRAME, AMIS_FRAME]), keys, AMIS_FRAME.length * 2 + 2),
    );
    assert.equal(whole.length, 2);
    assert.deepEqual(bytewise, whole);
    // The OMS address in IV order: manufacturer SAM (0x4C2D, sent low byte first), id 00000000, version 1, medium 0x0E.
    assert.equal(whole[0]?.systemTitle, '2D4C00000000010E');
  });

  it('after this key decoded the AMIS meter, a damaged first block is a lost telegram, not WRONG_KEY', () => {
    const damaged = Uint8Array.from(AMIS_FRAME);
    damaged[7 + 12] = (damaged[7 + 12] as number) ^ 0x01;
    damaged[damaged.length - 2] = mbusChecksum(damaged, 4, damaged.length - 2);
    const events = run(concatBytes([AMIS_FRAME, damaged]), { encryptionKey: hex(AMIS.key_hex as string) });
    assert.equal(telegrams(events).length, 1);
    assert.deepEqual(
      rejected(events).map((e) => e.code),
      ['FRAME_INVALID'],
    );
    assert.match(rejected(events)[0]?.message ?? '', /damaged on the way/);
  });
});

describe('DSMR text in a DLMS APDU without a tag (security control 0x20)', () => {
  const ek = hex('000102030405060708090A0B0C0D0E0F');
  const title = hex('5341473500004059');
  const text = encodeDsmrText('EST5\\x', [
    { obis: '1-0:1.8.0', groups: ['006545766*Wh'] },
    { obis: '1-0:1.7.0', groups: ['000000286*W'] },
  ]);
  const telegram = (frameCounter: number, plaintext = text): Uint8Array[] =>
    encodeMbusSegments(
      encodeGloCiphering({
        systemTitle: title,
        frameCounter,
        securityControl: 0x20,
        encryptionKey: ek,
        plaintext,
      }),
    );

  it('decodes over M-Bus to the value keys', () => {
    const [t] = telegrams(run(concatBytes(telegram(1)), { encryptionKey: ek }));
    assert.equal(t?.values.energy_in, 6545.766);
    assert.equal(t?.values.power_in, 286);
  });

  it('a damaged text (its CRC does not match) is damage, not a wrong key: its start proves the key', () => {
    const damaged = Uint8Array.from(text);
    damaged[30] = (damaged[30] as number) ^ 0x01;
    const events = run(concatBytes([...telegram(1), ...telegram(2, damaged)]), { encryptionKey: ek });
    assert.equal(telegrams(events).length, 1);
    const [error, ...more] = rejected(events);
    assert.equal(more.length, 0);
    assert.equal(error?.code, 'CHECKSUM');
    assert.match(error?.message ?? '', /damaged on the way/);
    assert.match(error?.message ?? '', /the key fits this meter/);
  });

  it('a wrong key is WRONG_KEY', () => {
    const wrong = Uint8Array.from(ek);
    wrong[0] = 0xff;
    const [error] = rejected(run(concatBytes(telegram(1)), { encryptionKey: wrong }));
    assert.equal(error?.code, 'WRONG_KEY');
  });
});
