import { toHex } from '../bytes/hex.js';
import { DLMS_GLO_CIPHERING } from '../dlms/apdu-tags.js';
import { DSMR_START } from '../dsmr/dsmr-telegram.js';
import {
  HDLC_CRC_LENGTH,
  HDLC_FLAG,
  HDLC_LENGTH_HIGH_MASK,
  HDLC_LLC_LENGTH,
  hasLlcHeader,
  hdlcAddressLength,
} from '../hdlc/hdlc-frame.js';
import { OMS_CI_LONG_HEADER, OMS_LONG_HEADER_LENGTH } from '../oms/oms-header.js';

/**
 * A frame's bytes cut into its protocol layers, for the web page's hex view: which bytes are M-Bus or HDLC,
 * which the DLMS transport or LLC, which the ciphering header, which the encrypted payload. Reads only what
 * the framer already checked; lengths from the ciphering header are clamped to the frame.
 */

export type Layer =
  | 'mbus-header'
  | 'mbus-control'
  | 'transport'
  | 'hdlc-header'
  | 'llc'
  | 'glo-header'
  | 'payload'
  | 'mbus-trailer'
  | 'hdlc-trailer';
export type LayerSpan = { readonly layer: Layer; readonly hex: string };

export function frameLayers(raw: Uint8Array): LayerSpan[] {
  // A checked M-Bus frame starts with 0x68, a checked HDLC frame with its flag, a bare APDU with its tag.
  if (raw[0] === HDLC_FLAG) return hdlcLayers(raw);
  // DSMR text, `/` to `!CRC`: one layer, shown as it is.
  if (raw[0] === DSMR_START) return [{ layer: 'payload', hex: toHex(raw) }];
  if (raw[0] === DLMS_GLO_CIPHERING) {
    const spans: LayerSpan[] = [];
    pushApdu(spans, raw, true);
    return spans;
  }
  return raw[6] === OMS_CI_LONG_HEADER ? omsLayers(raw) : mbusLayers(raw);
}

/** An OMS frame (CI 0x5B): its 12-byte long header where a DLMS frame has its transport bytes. */
function omsLayers(raw: Uint8Array): LayerSpan[] {
  const headerEnd = Math.min(raw.length - 2, 7 + OMS_LONG_HEADER_LENGTH);
  if (headerEnd < 7) return [{ layer: 'payload', hex: toHex(raw) }];
  return [
    { layer: 'mbus-header', hex: toHex(raw.subarray(0, 4)) },
    { layer: 'mbus-control', hex: toHex(raw.subarray(4, 7)) },
    { layer: 'transport', hex: toHex(raw.subarray(7, headerEnd)) },
    { layer: 'payload', hex: toHex(raw.subarray(headerEnd, raw.length - 2)) },
    { layer: 'mbus-trailer', hex: toHex(raw.subarray(raw.length - 2)) },
  ];
}

function mbusLayers(raw: Uint8Array): LayerSpan[] {
  if (raw.length < 9) return [{ layer: 'payload', hex: toHex(raw) }];
  const spans: LayerSpan[] = [
    { layer: 'mbus-header', hex: toHex(raw.subarray(0, 4)) },
    { layer: 'mbus-control', hex: toHex(raw.subarray(4, 7)) },
    { layer: 'transport', hex: toHex(raw.subarray(7, 9)) },
  ];
  const firstSegment = ((raw[6] as number) & 0x0f) === 0;
  const body = raw.subarray(9, raw.length - 2);
  pushApdu(spans, body, firstSegment);
  spans.push({ layer: 'mbus-trailer', hex: toHex(raw.subarray(raw.length - 2)) });
  return spans;
}

/** Flag, format, addresses, control and HCS; LLC on a first segment; the APDU; FCS and closing flag. */
function hdlcLayers(raw: Uint8Array): LayerSpan[] {
  const destination = hdlcAddressLength(raw, 3, raw.length);
  const source = destination > 0 ? hdlcAddressLength(raw, 3 + destination, raw.length) : 0;
  const length =
    raw.length < 3 ? 0 : (((raw[1] as number) & HDLC_LENGTH_HIGH_MASK) << 8) | (raw[2] as number);
  const controlAt = 3 + destination + source;
  const fcsAt = 1 + length - HDLC_CRC_LENGTH;
  const informationStart = controlAt + 1 + HDLC_CRC_LENGTH;
  if (source <= 0 || fcsAt > raw.length || fcsAt < controlAt + 1)
    return [{ layer: 'payload', hex: toHex(raw) }];
  if (fcsAt <= informationStart) {
    return [
      { layer: 'hdlc-header', hex: toHex(raw.subarray(0, controlAt + 1)) },
      { layer: 'hdlc-trailer', hex: toHex(raw.subarray(controlAt + 1)) },
    ];
  }
  const spans: LayerSpan[] = [{ layer: 'hdlc-header', hex: toHex(raw.subarray(0, informationStart)) }];
  let information = raw.subarray(informationStart, fcsAt);
  const llc = hasLlcHeader(information);
  if (llc) {
    spans.push({ layer: 'llc', hex: toHex(information.subarray(0, HDLC_LLC_LENGTH)) });
    information = information.subarray(HDLC_LLC_LENGTH);
  }
  pushApdu(spans, information, llc);
  spans.push({ layer: 'hdlc-trailer', hex: toHex(raw.subarray(fcsAt)) });
  return spans;
}

/** The ciphering header, when this segment starts the APDU, and the rest as payload. */
function pushApdu(spans: LayerSpan[], body: Uint8Array, first: boolean): void {
  let header = 0;
  if (first && body[0] === DLMS_GLO_CIPHERING && body.length > 11) {
    // DB, 08, system title (8), BER length (1–3), security control, frame counter (4).
    const lengthByte = body[10] as number;
    const lengthBytes = lengthByte < 0x80 ? 1 : 1 + (lengthByte & 0x7f);
    header = Math.min(body.length, 10 + lengthBytes + 5);
  }
  if (header > 0) spans.push({ layer: 'glo-header', hex: toHex(body.subarray(0, header)) });
  spans.push({ layer: 'payload', hex: toHex(body.subarray(header)) });
}
