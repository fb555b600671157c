/**
 * IEC 62056-46 HDLC frame (frame format type 3), as the optical and P1 customer interfaces of the
 * Wiener Netze, Netz Burgenland and KNG meters send it. There is no byte stuffing: the length field
 * says where the frame ends, so 0x7E may occur inside.
 *
 * | bytes | field                                                                          |
 * |-------|--------------------------------------------------------------------------------|
 * | 1     | flag 0x7E                                                                      |
 * | 2     | format: type 0xA in bits 15..12, segmentation bit 11, length in bits 10..0     |
 * | 1–4   | destination address; each byte's low bit is 1 on the last byte only            |
 * | 1–4   | source address, likewise                                                       |
 * | 1     | control (0x13: UI frame with the final bit, every push captured)               |
 * | 2     | HCS over format..control, only when an information field follows               |
 * | n     | information field: LLC `E6 E7 00` (or `E6 E6 00`) and the APDU, on a first segment |
 * | 2     | FCS over format..last information byte                                         |
 * | 1     | flag 0x7E                                                                      |
 *
 * The length counts every byte between the flags. Addresses seen: destination `CF` or `CE FF`,
 * source `03`, `02 23` or `00 02 00 23` (Siemens IM350).
 */

export const HDLC_FLAG = 0x7e;
export const HDLC_FORMAT_TYPE_3 = 0xa0;
export const HDLC_FORMAT_TYPE_MASK = 0xf0;
export const HDLC_SEGMENTATION_BIT = 0x08;
export const HDLC_LENGTH_HIGH_MASK = 0x07;
export const HDLC_MAX_ADDRESS_LENGTH = 4;
/** Format, one-byte addresses, control, FCS: a frame without information field. */
export const HDLC_MIN_LENGTH = 7;
/** 11 bits of length, plus the two flags. */
export const HDLC_MAX_FRAME_LENGTH = 0x7ff + 2;
export const HDLC_CRC_LENGTH = 2;

/** LLC header of a response (E6 E7 00) and of a command (E6 E6 00), IEC 62056-46 §8.4. */
export const HDLC_LLC_LENGTH = 3;
const LLC_DESTINATION = 0xe6;
const LLC_SOURCE_RESPONSE = 0xe7;
const LLC_SOURCE_COMMAND = 0xe6;

export type HdlcFrame = {
  /**
   * The whole frame, opening flag to closing flag (a copy: safe to keep). A frame whose HCS and FCS agree
   * is accepted without its closing flag; its raw bytes then end with the FCS.
   */
  readonly raw: Uint8Array;
  /** More segments of the same information follow. */
  readonly segmented: boolean;
  /** Address bytes as sent, extension bits included. */
  readonly destination: Uint8Array;
  readonly source: Uint8Array;
  readonly control: number;
  /** Empty when the frame has none (then it has no HCS either). */
  readonly information: Uint8Array;
};

/** Length of the address starting at `at` (1–4), 0 when no byte within four ends it, −1 if more bytes are needed. */
export function hdlcAddressLength(bytes: Uint8Array, at: number, end: number): number {
  for (let n = 0; n < HDLC_MAX_ADDRESS_LENGTH; n++) {
    if (at + n >= end) return -1;
    if (((bytes[at + n] as number) & 1) === 1) return n + 1;
  }
  return 0;
}

export function hasLlcHeader(information: Uint8Array): boolean {
  return (
    information.length >= HDLC_LLC_LENGTH &&
    information[0] === LLC_DESTINATION &&
    (information[1] === LLC_SOURCE_RESPONSE || information[1] === LLC_SOURCE_COMMAND) &&
    information[2] === 0x00
  );
}

/** An I frame (control bit 0 clear) numbers what it sends: N(S) in bits 3..1. */
export function hdlcSendSequence(control: number): number | undefined {
  return (control & 1) === 0 ? (control >> 1) & 0x07 : undefined;
}

const NO_INFORMATION = new Uint8Array(0);

/**
 * A frame the framer has checked. The addresses are views made when asked for: only a segment after the first
 * compares them, and two typed arrays fewer per frame is a tenth of the HDLC path's time (bench/decode.bench.ts).
 */
class CheckedHdlcFrame implements HdlcFrame {
  constructor(
    readonly raw: Uint8Array,
    readonly segmented: boolean,
    readonly control: number,
    readonly information: Uint8Array,
    private readonly sourceStart: number,
    private readonly controlAt: number,
  ) {}

  get destination(): Uint8Array {
    return this.raw.subarray(3, this.sourceStart);
  }

  get source(): Uint8Array {
    return this.raw.subarray(this.sourceStart, this.controlAt);
  }
}

/** Builds the frame object from a frame the framer has checked, given its address lengths. */
export function hdlcFrameFromRaw(
  raw: Uint8Array,
  destinationLength: number,
  sourceLength: number,
): HdlcFrame {
  const addressStart = 3;
  const sourceStart = addressStart + destinationLength;
  const controlAt = sourceStart + sourceLength;
  const informationStart = controlAt + 1 + HDLC_CRC_LENGTH;
  // From the length field, not raw's end: a frame whose CRCs agree is accepted without its closing flag.
  const length = (((raw[1] as number) & HDLC_LENGTH_HIGH_MASK) << 8) | (raw[2] as number);
  const informationEnd = 1 + length - HDLC_CRC_LENGTH;
  return new CheckedHdlcFrame(
    raw,
    ((raw[1] as number) & HDLC_SEGMENTATION_BIT) !== 0,
    raw[controlAt] as number,
    informationEnd > informationStart ? raw.subarray(informationStart, informationEnd) : NO_INFORMATION,
    sourceStart,
    controlAt,
  );
}
