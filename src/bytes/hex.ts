/**
 * Hex text as users paste it: captures from serial terminals, Python scripts and bug reports come with
 * spaces, line breaks, `#` comments and mixed case.
 */

const HEX_DIGITS = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS.charAt(byte >> 4) + HEX_DIGITS.charAt(byte & 0x0f);
  return out;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** hexDigit by table, for the character codes a capture is made of: a file of hex text is millions of them. */
const HEX_DIGITS_BY_CODE = Int8Array.from({ length: 128 }, (_, code) => hexDigit(code));

function hexValue(code: number): number {
  return code < 128 ? (HEX_DIGITS_BY_CODE[code] as number) : -1;
}

/** Strict: only hex digits, an even number of them. Returns undefined for anything else. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(text.charCodeAt(2 * i));
    const lo = hexValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export class HexTextError extends Error {
  override readonly name = 'HexTextError';
}

/**
 * Streaming hex-text decoder: feed text in any pieces, get bytes out as soon as both digits of a byte
 * have arrived. A byte may be split across lines. `#` starts a comment up to the end of the line.
 * Separators allowed between digits: whitespace, `:`, `,`, `-`. Anything else is an error, because
 * silently skipping it could turn a corrupted capture into different bytes.
 */
export class HexTextDecoder {
  private inComment = false;
  private pendingNibble = -1;
  private line = 1;

  push(text: string): Uint8Array {
    const out = new Uint8Array(Math.ceil(text.length / 2) + 1);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x0a) {
        this.inComment = false;
        this.line++;
        continue;
      }
      if (this.inComment) continue;
      if (code === 0x23) {
        this.inComment = true;
        continue;
      }
      const value = hexValue(code);
      if (value >= 0) {
        if (this.pendingNibble < 0) {
          this.pendingNibble = value;
        } else {
          out[n++] = (this.pendingNibble << 4) | value;
          this.pendingNibble = -1;
        }
        continue;
      }
      // 0x: a prefix some tools print before each byte or each line.
      if ((code === 0x78 || code === 0x58) && this.pendingNibble === 0) {
        this.pendingNibble = -1;
        continue;
      }
      if (
        code === 0x20 ||
        code === 0x09 ||
        code === 0x0d ||
        code === 0x3a ||
        code === 0x2c ||
        code === 0x2d
      ) {
        continue;
      }
      throw new HexTextError(`line ${this.line}: '${text[i]}' is not a hex digit`);
    }
    return out.subarray(0, n);
  }

  /** Throws when the text ended in the middle of a byte. */
  end(): void {
    if (this.pendingNibble >= 0)
      throw new HexTextError('the hex text ends with half a byte (an odd number of digits)');
  }
}

/** True when a chunk looks like hex text rather than raw M-Bus bytes (which start with 0x68 'h' or binary). */
export function looksLikeHexText(sample: Uint8Array): boolean {
  if (sample.length === 0) return false;
  for (const byte of sample.subarray(0, 512)) {
    const isHexDigit = hexValue(byte) >= 0;
    const isText = byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f);
    if (!isHexDigit && !isText) return false;
  }
  return true;
}
