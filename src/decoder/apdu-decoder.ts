import { toHex } from '../bytes/hex.js';
import { DLMS_DATA_NOTIFICATION, DLMS_GLO_CIPHERING, describeApduTag } from '../dlms/apdu-tags.js';
import { decodeDataNotification } from '../dlms/data-notification.js';
import { type DlmsKeys, decryptGloCiphered } from '../dlms/decrypt.js';
import { decodeGeneralGloCiphering } from '../dlms/glo-ciphering.js';
import { type ErrorCode, isMeterError, MeterError, WRONG_KEY_ADVICE } from '../errors.js';
import { buildTelegram, type Telegram } from '../meter/meter-model.js';
import { decodeDsmrText, startsLikeDsmr } from './dsmr-decoder.js';
import type { KeyEvidence } from './key-evidence.js';

/**
 * One reassembled APDU to one Telegram: decrypt when it is ciphered, parse the data-notification,
 * apply the meter model. Throws only MeterError.
 */
export function decodeApdu(apdu: Uint8Array, keys: DlmsKeys, evidence?: KeyEvidence): Telegram {
  try {
    return decodeApduUnchecked(apdu, keys, evidence);
  } catch (error) {
    // A copy of its own: the APDU may be a view into a block of pooled copies (bytes/byte-pool.ts).
    if (isMeterError(error)) throw error.withRaw(apdu.slice());
    // A bug, not bad input: kept visible, in the one error type callers handle, with its own code.
    throw new MeterError(
      'INTERNAL_ERROR',
      `internal decoder error (a bug; please report it with these bytes): ${String(error)}`,
      {
        raw: apdu.slice(),
        cause: error,
      },
    );
  }
}

function decodeApduUnchecked(apdu: Uint8Array, keys: DlmsKeys, evidence: KeyEvidence | undefined): Telegram {
  const tag = apdu[0];
  if (tag === DLMS_DATA_NOTIFICATION) {
    const notification = decodeDataNotification(apdu);
    return buildTelegram(
      {
        systemTitle: undefined,
        frameCounter: undefined,
        longInvokeIdAndPriority: notification.longInvokeIdAndPriority,
        dateTime: notification.dateTime,
      },
      notification.body,
    );
  }
  if (tag !== DLMS_GLO_CIPHERING) {
    throw new MeterError(
      'UNSUPPORTED',
      tag === undefined
        ? 'empty APDU'
        : `${describeApduTag(tag)} is not supported (expected a general-glo-ciphering 0xDB or data-notification 0x0F)`,
    );
  }
  const ciphered = decodeGeneralGloCiphering(apdu);
  const decrypted = decryptGloCiphered(ciphered, keys);
  if (startsLikeDsmr(decrypted.plaintext)) {
    // DSMR text (the T210-D-r's P1 port): its start proves the key, so a failure is damage, told in the
    // parser's own words (CHECKSUM when its CRC-16 does not match).
    let telegram: Telegram;
    try {
      telegram = decodeDsmrText(decrypted.plaintext, {
        systemTitle: toHex(ciphered.systemTitle),
        frameCounter: ciphered.frameCounter,
      });
    } catch (error) {
      if (!isMeterError(error)) throw error;
      throw damaged(ciphered.systemTitle, ciphered.frameCounter, error, error.code);
    }
    if (decrypted.encrypted) evidence?.prove(ciphered.systemTitle);
    return decrypted.tagUnchecked ? { ...telegram, tagUnchecked: true } : telegram;
  }
  let notification: ReturnType<typeof decodeDataNotification>;
  try {
    notification = decodeDataNotification(decrypted.plaintext);
  } catch (error) {
    // Without a tag, a wrong key is only visible as plaintext that does not parse; so is line noise.
    if (decrypted.encrypted && !decrypted.authenticated && isMeterError(error)) {
      if (evidence?.keyFits(ciphered.systemTitle, decrypted.plaintext) === true) {
        throw damaged(ciphered.systemTitle, ciphered.frameCounter, error);
      }
      throw wrongKey(ciphered.systemTitle, ciphered.frameCounter);
    }
    throw error;
  }
  const telegram = buildTelegram(
    {
      systemTitle: ciphered.systemTitle,
      frameCounter: ciphered.frameCounter,
      longInvokeIdAndPriority: notification.longInvokeIdAndPriority,
      dateTime: notification.dateTime,
    },
    notification.body,
  );
  if (decrypted.encrypted) evidence?.prove(ciphered.systemTitle);
  return decrypted.tagUnchecked ? { ...telegram, tagUnchecked: true } : telegram;
}

function damaged(
  systemTitle: Uint8Array,
  frameCounter: number,
  cause: MeterError,
  code: ErrorCode = 'AXDR_INVALID',
): MeterError {
  return new MeterError(
    code,
    `The telegram from system title ${toHex(systemTitle)} (frame counter ${frameCounter}) was damaged on the ` +
      `way (${cause.message}); the key fits this meter. One telegram is lost; if this happens often, check ` +
      'the cable and its contacts.',
    { cause },
  );
}

function wrongKey(systemTitle: Uint8Array, frameCounter: number): MeterError {
  return new MeterError(
    'WRONG_KEY',
    `The key does not fit this meter: the telegram from system title ${toHex(systemTitle)} ` +
      `(frame counter ${frameCounter}) decrypted to data that is not a DLMS data-notification (nor DSMR text). ` +
      WRONG_KEY_ADVICE,
  );
}
