import { toHex } from '../bytes/hex.js';
import { parseDataNotification } from '../dlms/data-notification.js';
import { type DlmsKeys, decryptGloCiphered } from '../dlms/decrypt.js';
import {
  DLMS_DATA_NOTIFICATION,
  DLMS_GLO_CIPHERING,
  describeApduTag,
  parseGeneralGloCiphering,
} from '../dlms/glo-ciphering.js';
import { isMeterError, MeterError } from '../errors.js';
import { keyHint } from '../key.js';
import { buildTelegram, type Telegram } from '../meter/meter-model.js';

/**
 * One reassembled APDU to one Telegram: decrypt when it is ciphered, parse the data-notification,
 * apply the meter model. Throws only MeterError.
 */
export function decodeApdu(apdu: Uint8Array, keys: DlmsKeys): Telegram {
  try {
    return decodeApduUnchecked(apdu, keys);
  } catch (error) {
    if (isMeterError(error)) throw error.withRaw(apdu);
    // A bug, not bad input: keep it visible but in the one error type callers handle.
    throw new MeterError('AXDR_INVALID', `internal decoder error: ${String(error)}`, {
      raw: apdu,
      cause: error,
    });
  }
}

function decodeApduUnchecked(apdu: Uint8Array, keys: DlmsKeys): Telegram {
  const tag = apdu[0];
  if (tag === DLMS_DATA_NOTIFICATION) {
    const notification = parseDataNotification(apdu);
    return buildTelegram(
      { systemTitle: undefined, frameCounter: undefined, ...notification },
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
  const ciphered = parseGeneralGloCiphering(apdu);
  const decrypted = decryptGloCiphered(ciphered, keys);
  let notification: ReturnType<typeof parseDataNotification>;
  try {
    notification = parseDataNotification(decrypted.plaintext);
  } catch (error) {
    // Without a tag, a wrong key is only visible as plaintext that is not a data-notification.
    if (decrypted.encrypted && !decrypted.authenticated && isMeterError(error)) {
      throw wrongKey(ciphered.systemTitle, ciphered.frameCounter, keys);
    }
    throw error;
  }
  return buildTelegram(
    { systemTitle: ciphered.systemTitle, frameCounter: ciphered.frameCounter, ...notification },
    notification.body,
  );
}

function wrongKey(systemTitle: Uint8Array, frameCounter: number, keys: DlmsKeys): MeterError {
  const hint =
    keys.encryptionKey === undefined ? '' : ` (the key given starts with ${keyHint(keys.encryptionKey)})`;
  return new MeterError(
    'WRONG_KEY',
    `The key does not fit this meter${hint}: the telegram from system title ${toHex(systemTitle)} ` +
      `(frame counter ${frameCounter}) decrypted to data that is not a DLMS data-notification. ` +
      'Use the key your grid operator issued for exactly this meter (32 hex digits, often called ' +
      "'Schlüssel' or 'GUEK'); check for swapped or mistyped characters, and ask the operator for the key again " +
      'if the meter was replaced.',
  );
}
