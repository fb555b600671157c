import { toHex } from '../bytes/hex.js';
import { DLMS_GLO_CIPHERING } from '../dlms/apdu-tags.js';

/**
 * A frame's bytes cut into its protocol layers, for the web page's hex view: which bytes are M-Bus,
 * which the DLMS transport, which the ciphering header, which the encrypted payload. Reads only what the
 * framer already checked; lengths from the ciphering header are clamped to the frame.
 */

export type Layer = 'mbus-header' | 'mbus-control' | 'transport' | 'glo-header' | 'payload' | 'mbus-trailer';
export type LayerSpan = { readonly layer: Layer; readonly hex: string };

export function frameLayers(raw: Uint8Array): LayerSpan[] {
  if (raw.length < 9) return [{ layer: 'payload', hex: toHex(raw) }];
  const spans: LayerSpan[] = [
    { layer: 'mbus-header', hex: toHex(raw.subarray(0, 4)) },
    { layer: 'mbus-control', hex: toHex(raw.subarray(4, 7)) },
    { layer: 'transport', hex: toHex(raw.subarray(7, 9)) },
  ];
  const body = raw.subarray(9, raw.length - 2);
  let header = 0;
  const firstSegment = ((raw[6] as number) & 0x0f) === 0;
  if (firstSegment && body[0] === DLMS_GLO_CIPHERING && body.length > 11) {
    // DB, 08, system title (8), BER length (1–3), security control, frame counter (4).
    const lengthByte = body[10] as number;
    const lengthBytes = lengthByte < 0x80 ? 1 : 1 + (lengthByte & 0x7f);
    header = Math.min(body.length, 10 + lengthBytes + 5);
  }
  if (header > 0) spans.push({ layer: 'glo-header', hex: toHex(body.subarray(0, header)) });
  spans.push({ layer: 'payload', hex: toHex(body.subarray(header)) });
  spans.push({ layer: 'mbus-trailer', hex: toHex(raw.subarray(raw.length - 2)) });
  return spans;
}
