import { MeterError } from '../errors.js';

/**
 * A bounded cursor over wire bytes. Every read checks what is left first and throws a MeterError: Node's
 * own RangeError or a silently short `subarray` must never decide what malformed input means.
 *
 * The code says which layer the bytes belong to, one per condition: in a frame or an APDU header, bytes
 * that end early were cut off on the way (TRUNCATED) and a malformed field is FRAME_INVALID; inside
 * A-XDR data (AxdrReader) either is AXDR_INVALID, since the frame around it was complete.
 */
export class ByteReader {
  private pos = 0;
  /** Thrown when a field needs more bytes than are left. */
  readonly shortCode: 'TRUNCATED' | 'AXDR_INVALID' = 'TRUNCATED';
  /** Thrown for a field whose form is malformed (e.g. an indefinite BER length). */
  readonly malformedCode: 'FRAME_INVALID' | 'AXDR_INVALID' = 'FRAME_INVALID';

  constructor(readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(count: number, what: string): void {
    if (count > this.remaining) {
      throw new MeterError(
        this.shortCode,
        `${what}: needs ${count} byte(s) at offset ${this.pos}, only ${this.remaining} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] as number;
  }

  u16(what: string): number {
    this.need(2, what);
    const b = this.bytes;
    const value = ((b[this.pos] as number) << 8) | (b[this.pos + 1] as number);
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    const value =
      (b[p] as number) * 0x1000000 +
      (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
    this.pos += 4;
    return value;
  }

  /** A view (not a copy) of the next `count` bytes. */
  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  /** Past the next `count` bytes, which the caller has read through `bytes` itself. */
  skip(count: number, what: string): void {
    this.need(count, what);
    this.pos += count;
  }

  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }
}

/** A-XDR data inside a complete APDU (a data-notification, its body). */
export class AxdrReader extends ByteReader {
  override readonly shortCode = 'AXDR_INVALID';
  override readonly malformedCode = 'AXDR_INVALID';
}
