import { isMeterError, MeterError } from '../errors.js';
import type { MbusFrame } from '../mbus/mbus-frame.js';
import { type OmsReading, omsReading } from './amis-readings.js';
import { parseDataRecords } from './dif-vif.js';
import { decryptOmsMode5, type OmsKeyEvidence } from './oms-decrypt.js';
import { OMS_CI_LONG_HEADER, parseOmsLongHeader } from './oms-header.js';

/**
 * One M-Bus long frame with CI 0x5B (an OMS mode 5 meter such as the Siemens AMIS) to one reading:
 * header → AES-CBC → records → OBIS and value keys. Throws only MeterError, with the frame attached.
 */

export function isOmsFrame(frame: MbusFrame): boolean {
  return frame.ciField === OMS_CI_LONG_HEADER;
}

export function decodeOmsFrame(
  frame: Pick<MbusFrame, 'ciField' | 'data' | 'raw'>,
  key: Uint8Array | undefined,
  evidence?: OmsKeyEvidence,
): OmsReading {
  try {
    const header = parseOmsLongHeader(frame.ciField, frame.data);
    const { plaintext, address } = decryptOmsMode5(header, frame.data, key, evidence);
    const reading = omsReading(header, parseDataRecords(plaintext));
    evidence?.prove(address);
    return reading;
  } catch (error) {
    if (isMeterError(error)) throw error.withRaw(frame.raw);
    throw new MeterError(
      'INTERNAL_ERROR',
      `internal decoder error (a bug; please report it with these bytes): ${String(error)}`,
      { raw: frame.raw, cause: error },
    );
  }
}
