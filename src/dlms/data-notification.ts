import { AxdrReader } from '../bytes/byte-reader.js';
import { COSEM_DATE_TIME_LENGTH } from '../cosem/date-time.js';
import { MeterError } from '../errors.js';
import { DLMS_DATA_NOTIFICATION, describeApduTag } from './apdu-tags.js';
import { type DlmsValue, readAxdrValue } from './axdr.js';

/**
 * data-notification APDU (Green Book, DLMS push):
 *
 * | bytes | field                                                                |
 * |-------|----------------------------------------------------------------------|
 * | 1     | tag 0x0F                                                             |
 * | 4     | long-invoke-id-and-priority (bit 31 priority, bits 23..0 invoke id)  |
 * | 1 + n | date-time as an octet-string: `0C` + 12 bytes, or `00` when absent    |
 * | …     | notification-body: one A-XDR value (a structure of the push objects) |
 */

export type DataNotification = {
  readonly longInvokeIdAndPriority: number;
  /** The 12 date-time bytes of the header, when present. */
  readonly dateTime: Uint8Array | undefined;
  readonly body: DlmsValue;
};

export function decodeDataNotification(plaintext: Uint8Array): DataNotification {
  const reader = new AxdrReader(plaintext);
  const tag = reader.u8('APDU tag');
  if (tag !== DLMS_DATA_NOTIFICATION) {
    throw new MeterError('UNSUPPORTED', `${describeApduTag(tag)} is not a data-notification (0x0F)`);
  }
  const longInvokeIdAndPriority = reader.u32('long-invoke-id-and-priority');
  const dateTimeLength = reader.u8('date-time length');
  if (dateTimeLength !== 0 && dateTimeLength !== COSEM_DATE_TIME_LENGTH) {
    throw new MeterError(
      'AXDR_INVALID',
      `data-notification date-time has ${dateTimeLength} bytes, expected 0 or 12`,
    );
  }
  const dateTime = dateTimeLength === 0 ? undefined : reader.take(dateTimeLength, 'date-time');
  const body = readAxdrValue(reader);
  if (reader.remaining !== 0) {
    throw new MeterError('AXDR_INVALID', `${reader.remaining} byte(s) left over after the notification body`);
  }
  return { longInvokeIdAndPriority, dateTime, body };
}
