/**
 * DLMS/COSEM constants of the APDUs a push telegram is made of (IEC 62056-5-3, "DLMS/COSEM application
 * layer", the tags of its xDLMS-APDU choice; IEC 62056-6-2 for the data types).
 */

export const DLMS_DATA_NOTIFICATION = 0x0f;
export const DLMS_GLO_CIPHERING = 0xdb;
/** A longer APDU cut into numbered blocks (the Landis+Gyr E450 pushes so); see general-block-transfer.ts. */
export const DLMS_GENERAL_BLOCK_TRANSFER = 0xe0;
export const DLMS_SYSTEM_TITLE_LENGTH = 8;
export const DLMS_GCM_TAG_LENGTH = 12;

/** Security control byte (IEC 62056-5-3, security header): suite in bits 3..0, then these flags. */
export const DLMS_SC_AUTHENTICATION = 0x10;
export const DLMS_SC_ENCRYPTION = 0x20;
export const DLMS_SC_COMPRESSION = 0x80;
export const DLMS_SC_SUITE_MASK = 0x0f;
/** Suites 0 and 1 use AES-128-GCM; suite 2 would be AES-256. */
export const DLMS_SC_MAX_SUITE = 1;

/** Tags of APDUs a meter might push that this bridge does not decode, for the message that says so. */
const DLMS_APDU_NAMES: Readonly<Record<number, string>> = {
  194: 'event-notification-request',
  220: 'general-signing',
  221: 'general-ciphering',
  223: 'general-ded-ciphering',
  [DLMS_GENERAL_BLOCK_TRANSFER]: 'general-block-transfer',
};

export function describeApduTag(tag: number): string {
  const name = DLMS_APDU_NAMES[tag];
  const hex = `0x${tag.toString(16).padStart(2, '0').toUpperCase()}`;
  return name === undefined ? `APDU tag ${hex}` : `${name} APDU (${hex})`;
}
