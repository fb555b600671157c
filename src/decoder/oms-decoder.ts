import { toHex } from '../bytes/hex.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import { buildTelegramFromReadings } from '../meter/labelled-readings.js';
import type { Telegram } from '../meter/meter-model.js';
import { omsAddress } from '../oms/oms-decrypt.js';
import { parseOmsLongHeader } from '../oms/oms-header.js';
import { decodeOmsFrame } from '../oms/oms-telegram.js';
import type { KeyEvidence } from './key-evidence.js';

/**
 * One M-Bus long frame with CI 0x5B (OMS mode 5, the Siemens AMIS) to one Telegram: src/oms reads it into
 * OBIS-labelled readings, the meter model names them. Throws only MeterError, with the frame attached.
 *
 * The OMS address (manufacturer, identification, version, medium: 8 bytes, in IV order) stands in the
 * system title's place: it names the meter as a system title does, for the guard and for KeyEvidence.
 * The access number counts to 255 and wraps within a day, so it is no frame counter.
 */
export function decodeOmsTelegram(
  frame: Pick<MbusFrame, 'ciField' | 'data' | 'raw'>,
  key: Uint8Array | undefined,
  evidence?: KeyEvidence,
): Telegram {
  const reading = decodeOmsFrame(frame, key, evidence?.forOms());
  // decodeOmsFrame parsed this header already; parsing it again cannot fail.
  const address = omsAddress(parseOmsLongHeader(frame.ciField, frame.data));
  return buildTelegramFromReadings(
    {
      systemTitle: toHex(address),
      frameCounter: undefined,
      invokeId: reading.accessNumber,
      time: reading.time,
      meterId: reading.meterId,
      structure: reading.structure,
    },
    reading.readings,
  );
}
