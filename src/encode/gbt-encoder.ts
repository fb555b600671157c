import { encodeBerLength } from '../dlms/ber-length.js';
import {
  DLMS_GENERAL_BLOCK_TRANSFER,
  GBT_LAST_BLOCK,
  GBT_STREAMING,
} from '../dlms/general-block-transfer.js';
import { encodeHdlcApdu, HDLC_LLC_RESPONSE, type HdlcApduOptions } from './hdlc-frame-encoder.js';

/**
 * General block transfer in reverse of dlms/general-block-transfer: an APDU cut into numbered blocks, and
 * those blocks in HDLC frames the way the Landis+Gyr E450 sends them.
 */

/** The E450's first two blocks carry 0x77 and 0x7A bytes. */
export const GBT_DEFAULT_BLOCK_SIZE = 0x7a;

/** One block: block number `n` (from 1), streaming, with the last-block bit when `last`. */
export function encodeGbtBlock(n: number, last: boolean, data: Uint8Array): Uint8Array {
  return Buffer.concat([
    Uint8Array.of(
      DLMS_GENERAL_BLOCK_TRANSFER,
      GBT_STREAMING | (last ? GBT_LAST_BLOCK : 0),
      n >> 8,
      n & 0xff,
      0,
      0,
    ),
    encodeBerLength(data.length),
    data,
  ]);
}

/** Blocks 1…n of `blockSize` bytes each (the last may be shorter). */
export function encodeGbtBlocks(apdu: Uint8Array, blockSize = GBT_DEFAULT_BLOCK_SIZE): Uint8Array[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError('blockSize must be a positive integer');
  }
  const count = Math.max(1, Math.ceil(apdu.length / blockSize));
  if (count > 0xffff) throw new RangeError('more than 65535 blocks');
  const blocks: Uint8Array[] = [];
  for (let n = 1; n <= count; n++) {
    blocks.push(encodeGbtBlock(n, n === count, apdu.subarray((n - 1) * blockSize, n * blockSize)));
  }
  return blocks;
}

export type HdlcGbtOptions = HdlcApduOptions & {
  /**
   * Blocks of this many bytes, each in frames of its own (segmented when it does not fit). Without it, each
   * block fills one frame's information field, as the E450 does (0x77 bytes after the LLC, then 0x7A).
   */
  readonly blockSize?: number;
};

/** Block header: tag, control, block number, acknowledged block number. */
const BLOCK_HEADER = 6;

/** The E450's pushes: three frames of at most 129 information bytes. */
export const E450_MAX_INFORMATION = 129;

/** Each block in frames of its own, with the LLC header before the first block only (as the E450 does). */
export function encodeHdlcGbt(apdu: Uint8Array, options: HdlcGbtOptions = {}): Uint8Array[] {
  const llc = options.llc ?? true;
  // The frames must hold what the blocks were cut for: HDLC's default (128) would split each full block in two.
  const maxInformation = options.maxInformation ?? E450_MAX_INFORMATION;
  const blocks =
    options.blockSize === undefined
      ? fillingBlocks(apdu, maxInformation, llc)
      : encodeGbtBlocks(apdu, options.blockSize);
  return blocks.flatMap((block, index) =>
    encodeHdlcApdu(block, { ...options, maxInformation, llc: index === 0 && llc }),
  );
}

function fillingBlocks(apdu: Uint8Array, maxInformation: number, llc: boolean): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  let start = 0;
  do {
    const room = maxInformation - BLOCK_HEADER - (blocks.length === 0 && llc ? HDLC_LLC_RESPONSE.length : 0);
    let size = room - 1;
    while (size > 0 && size + encodeBerLength(size).length > room) size--;
    if (size < 1) throw new RangeError(`maxInformation ${maxInformation} leaves no room for block data`);
    const end = Math.min(start + size, apdu.length);
    blocks.push(encodeGbtBlock(blocks.length + 1, end === apdu.length, apdu.subarray(start, end)));
    start = end;
    if (blocks.length > 0xffff) throw new RangeError('more than 65535 blocks');
  } while (start < apdu.length);
  return blocks;
}
