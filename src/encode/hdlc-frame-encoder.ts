import { crc16X25 } from '../hdlc/crc16-x25.js';
import {
  HDLC_CRC_LENGTH,
  HDLC_FLAG,
  HDLC_FORMAT_TYPE_3,
  HDLC_MAX_ADDRESS_LENGTH,
  HDLC_SEGMENTATION_BIT,
} from '../hdlc/hdlc-frame.js';

/**
 * What an HDLC meter does, in reverse of the framer and reassembler: an APDU → LLC header → segments →
 * IEC 62056-46 frames. Checked byte for byte against real captures (test/unit/hdlc-vectors.test.ts);
 * used by the property tests, and later by the simulator.
 */

/** Iskraemeco AM550 of Wiener Netze: destination CF, source 02 23, UI frame with the final bit. */
export const HDLC_DEFAULT_DESTINATION = Uint8Array.of(0xcf);
export const HDLC_DEFAULT_SOURCE = Uint8Array.of(0x02, 0x23);
export const HDLC_CONTROL_UI_FINAL = 0x13;
export const HDLC_LLC_RESPONSE = Uint8Array.of(0xe6, 0xe7, 0x00);
/** IEC 62056-46's default maximum information field length. */
export const HDLC_DEFAULT_MAX_INFORMATION = 128;

export type HdlcFrameInput = {
  readonly destination?: Uint8Array;
  readonly source?: Uint8Array;
  readonly control?: number;
  /** May be empty: then the frame has no HCS either. */
  readonly information: Uint8Array;
  readonly segmented?: boolean;
};

function checkAddress(address: Uint8Array, which: string): void {
  const last = address.length - 1;
  const valid =
    address.length >= 1 &&
    address.length <= HDLC_MAX_ADDRESS_LENGTH &&
    address.every((b, i) => (b & 1) === (i === last ? 1 : 0));
  if (!valid)
    throw new RangeError(`${which} address must be 1–4 bytes with the low bit set on the last only`);
}

export function encodeHdlcFrame(input: HdlcFrameInput): Uint8Array {
  const destination = input.destination ?? HDLC_DEFAULT_DESTINATION;
  const source = input.source ?? HDLC_DEFAULT_SOURCE;
  checkAddress(destination, 'destination');
  checkAddress(source, 'source');
  const information = input.information;
  const headerLength = 2 + destination.length + source.length + 1;
  const hasInformation = information.length > 0;
  const length = headerLength + (hasInformation ? HDLC_CRC_LENGTH + information.length : 0) + HDLC_CRC_LENGTH;
  if (length > 0x7ff) throw new RangeError(`an HDLC frame holds at most 2047 bytes, not ${length}`);

  const frame = new Uint8Array(length + 2);
  frame[0] = HDLC_FLAG;
  frame[1] = HDLC_FORMAT_TYPE_3 | (input.segmented === true ? HDLC_SEGMENTATION_BIT : 0) | (length >> 8);
  frame[2] = length & 0xff;
  frame.set(destination, 3);
  frame.set(source, 3 + destination.length);
  let at = 1 + headerLength;
  frame[at - 1] = input.control ?? HDLC_CONTROL_UI_FINAL;
  if (hasInformation) {
    at = putCrc(frame, at);
    frame.set(information, at);
    at += information.length;
  }
  putCrc(frame, at);
  frame[length + 1] = HDLC_FLAG;
  return frame;
}

/** Writes the CRC of frame[1..at) at `at`, low byte first; returns where the next field starts. */
function putCrc(frame: Uint8Array, at: number): number {
  const crc = crc16X25(frame, 1, at);
  frame[at] = crc & 0xff;
  frame[at + 1] = crc >>> 8;
  return at + HDLC_CRC_LENGTH;
}

export type HdlcApduOptions = Omit<HdlcFrameInput, 'information' | 'segmented'> & {
  /** The longest information field of one frame; the LLC header counts. */
  readonly maxInformation?: number;
  /** Prefix the LLC header (E6 E7 00) to the first segment; the default. */
  readonly llc?: boolean;
};

/** An APDU as one frame, or as segmented frames when it does not fit into `maxInformation`. */
export function encodeHdlcApdu(apdu: Uint8Array, options: HdlcApduOptions = {}): Uint8Array[] {
  const max = options.maxInformation ?? HDLC_DEFAULT_MAX_INFORMATION;
  if (!Number.isInteger(max) || max < 1) throw new RangeError('maxInformation must be a positive integer');
  const llc = options.llc ?? true;
  const information = llc ? Buffer.concat([HDLC_LLC_RESPONSE, apdu]) : apdu;
  if (information.length === 0) throw new RangeError('nothing to send');
  const frames: Uint8Array[] = [];
  for (let start = 0; start < information.length; start += max) {
    const end = Math.min(start + max, information.length);
    frames.push(
      encodeHdlcFrame({
        ...options,
        information: information.subarray(start, end),
        segmented: end < information.length,
      }),
    );
  }
  return frames;
}
