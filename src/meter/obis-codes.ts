import { formatObis } from '../cosem/obis.js';
import { VALUE_KEY_BY_OBIS, VALUE_KEYS, type ValueKeySpec } from './value-keys.js';

/**
 * An OBIS code as the meter model uses it: its text, and the value key it publishes, if any. A meter sends
 * the same dozen or so codes in every telegram; formatting each again and looking its text up in a map
 * was a good part of the model's time, so they are kept, by their six bytes.
 */
export type ObisCode = {
  readonly text: string;
  readonly spec: ValueKeySpec | undefined;
  /** The spec's place in VALUE_KEYS, the publishing order; −1 without one. */
  readonly slot: number;
};

/** Line noise can make up any number of codes: past this many, the cache starts over. */
const MAX_CODES = 256;
const codes = new Map<number, ObisCode>();

/** `bytes` must be OBIS_LENGTH long (looksLikeObis). */
export function obisCode(bytes: Uint8Array): ObisCode {
  // Six bytes fit a double exactly (2^48 < 2^53).
  const key =
    ((bytes[0] as number) * 0x10000 + (((bytes[1] as number) << 8) | (bytes[2] as number))) * 0x1000000 +
    (((bytes[3] as number) << 16) | ((bytes[4] as number) << 8) | (bytes[5] as number));
  let code = codes.get(key);
  if (code === undefined) {
    if (codes.size >= MAX_CODES) codes.clear();
    const text = formatObis(bytes);
    const spec = VALUE_KEY_BY_OBIS.get(text);
    code = { text, spec, slot: spec === undefined ? -1 : VALUE_KEYS.indexOf(spec) };
    codes.set(key, code);
  }
  return code;
}
