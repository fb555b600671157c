import { DLMS_DATA_NOTIFICATION } from '../dlms/apdu-tags.js';

/**
 * Telling a wrong key from a telegram damaged on the line. Without a GCM tag both look the same at first:
 * the plaintext does not parse. A wrong key turns every byte into noise; line noise (which can pass the
 * M-Bus checksum) changes a few. So WRONG_KEY is claimed only when nothing says the key fits:
 *   - the plaintext starts like a data-notification (tag 0x0F, then a date-time length of 0 or 12 five
 *     bytes on): with a wrong key that happens once in 32,768 telegrams;
 *   - or this key has decoded a telegram of this system title before, or of one that differs in a few bytes
 *     (the title itself can be damaged, and a damaged title is a wrong IV) — unless the plaintext's start
 *     has been noise three times in a row: that is no longer line noise but a new key or another meter.
 */

const MAX_TITLES = 16;
/** Two checksum-preserving pairs of changes touch at most four bytes. */
const MAX_DAMAGED_BYTES = 4;
const DATE_TIME_LENGTH_OFFSET = 5;
/** Plaintexts in a row whose start is noise, after which a proven meter's key is no longer believed. */
const NOISE_IN_A_ROW = 3;

export class KeyEvidence {
  private readonly proven: Uint8Array[] = [];
  private noiseInARow = 0;

  /** A telegram of this system title decoded with the key. */
  prove(systemTitle: Uint8Array): void {
    this.noiseInARow = 0;
    if (this.proven.some((title) => bytesApart(title, systemTitle) === 0)) return;
    if (this.proven.length >= MAX_TITLES) this.proven.shift();
    this.proven.push(Uint8Array.from(systemTitle));
  }

  /** Whether the failed DLMS plaintext still says that the key is right. */
  keyFits(systemTitle: Uint8Array, plaintext: Uint8Array): boolean {
    const lengthByte = plaintext[DATE_TIME_LENGTH_OFFSET];
    if (plaintext[0] === DLMS_DATA_NOTIFICATION && (lengthByte === 0 || lengthByte === 12)) return true;
    return this.meterProven(systemTitle);
  }

  /**
   * The same for an OMS meter, whose 8-byte address stands where a system title would. A mode 5
   * plaintext's one mark, 2F 2F, is what failed, so only the meter's history can speak for the key: the
   * data-notification start above would be chance in an OMS plaintext.
   */
  forOms(): {
    prove(address: Uint8Array): void;
    keyFits(address: Uint8Array, plaintext: Uint8Array): boolean;
  } {
    return {
      prove: (address) => this.prove(address),
      keyFits: (address) => this.meterProven(address),
    };
  }

  /** Whether this key has decoded this meter, and the failures since are few enough to be line noise. */
  private meterProven(systemTitle: Uint8Array): boolean {
    this.noiseInARow++;
    if (this.noiseInARow >= NOISE_IN_A_ROW) return false;
    return this.proven.some((title) => bytesApart(title, systemTitle) <= MAX_DAMAGED_BYTES);
  }
}

function bytesApart(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let bytes = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) bytes++;
  return bytes;
}
