import { pooledJoin } from '../bytes/byte-pool.js';
import { ByteReader } from '../bytes/byte-reader.js';
import { concatAll } from '../bytes/join.js';
import { MeterError } from '../errors.js';
import { DLMS_GENERAL_BLOCK_TRANSFER } from './apdu-tags.js';
import { readBerLength } from './ber-length.js';

/**
 * general-block-transfer APDU (IEC 62056-5-3 §9.4.6.13, Green Book), as the Landis+Gyr E450 pushes a
 * ciphered APDU in three to five HDLC frames:
 *
 * | bytes | field                                                                       |
 * |-------|-----------------------------------------------------------------------------|
 * | 1     | tag 0xE0                                                                    |
 * | 1     | block control: last block (bit 7), streaming (bit 6), window size (bits 5..0) |
 * | 2     | block number, from 1, big endian                                            |
 * | 2     | acknowledged block number (0 in a push)                                     |
 * | 1–5   | BER length of the block data                                                |
 * | n     | block data: the next piece of the inner APDU                                |
 *
 * Seen: `E0 40 0001 0000 77 …`, `E0 40 0002 0000 7A …`, `E0 C0 0003 0000 1F …`; the joined block data
 * is a general-glo-ciphering APDU (`DB 08 …`).
 */

// Kept importable from here for the encoder, which builds blocks.
export { DLMS_GENERAL_BLOCK_TRANSFER };
export const GBT_LAST_BLOCK = 0x80;
export const GBT_STREAMING = 0x40;
export const GBT_WINDOW_MASK = 0x3f;
/** Far beyond any push seen (about 380 bytes); bounds what a stream of blocks without a last one holds. */
export const GBT_MAX_APDU_LENGTH = 16384;

export type GbtBlock = {
  readonly last: boolean;
  readonly streaming: boolean;
  readonly window: number;
  readonly blockNumber: number;
  readonly acknowledgedBlock: number;
  /** A view into the APDU it was read from. */
  readonly data: Uint8Array;
};

export function isGeneralBlockTransfer(apdu: Uint8Array): boolean {
  return apdu[0] === DLMS_GENERAL_BLOCK_TRANSFER;
}

/** Block 1, which starts a telegram; read in place, without checking the rest of the block (decodeGbtBlock does). */
export function isFirstGbtBlock(apdu: Uint8Array): boolean {
  return isGeneralBlockTransfer(apdu) && apdu[2] === 0 && apdu[3] === 1;
}

/** Reads one block; TRUNCATED when its data is shorter than announced, FRAME_INVALID when longer. */
export function decodeGbtBlock(apdu: Uint8Array): GbtBlock {
  const reader = new ByteReader(apdu);
  const tag = reader.u8('APDU tag');
  if (tag !== DLMS_GENERAL_BLOCK_TRANSFER) {
    throw new MeterError('FRAME_INVALID', `APDU tag 0x${tag.toString(16)} is not general-block-transfer`);
  }
  const control = reader.u8('block control');
  const blockNumber = reader.u16('block number');
  const acknowledgedBlock = reader.u16('acknowledged block number');
  const length = readBerLength(reader, 'block data length');
  if (length > reader.remaining) {
    throw new MeterError(
      'TRUNCATED',
      `general-block-transfer block ${blockNumber} announces ${length} bytes but only ${reader.remaining} arrived`,
    );
  }
  if (length < reader.remaining) {
    throw new MeterError(
      'FRAME_INVALID',
      `${reader.remaining - length} byte(s) follow the data of general-block-transfer block ${blockNumber}`,
    );
  }
  return {
    last: (control & GBT_LAST_BLOCK) !== 0,
    streaming: (control & GBT_STREAMING) !== 0,
    window: control & GBT_WINDOW_MASK,
    blockNumber,
    acknowledgedBlock,
    data: reader.rest(),
  };
}

export type GbtEvent =
  | { readonly kind: 'apdu'; readonly apdu: Uint8Array }
  | { readonly kind: 'error'; readonly error: MeterError };

type Pending = { blocks: Uint8Array[]; raws: Uint8Array[]; length: number; next: number };

/**
 * Joins general-block-transfer blocks, in order from block 1 to the one with the last-block bit, into the
 * APDU they carry. Any other APDU passes through unchanged, so every APDU of a stream can go through it.
 * A telegram with a lost, repeated or reordered block is dropped with SEGMENT_MISSING, once: the blocks
 * that follow it, up to the next block 1, go quietly.
 */
export class GbtReassembler {
  private pending: Pending | undefined;
  private afterLoss = false;

  /** A frame below was lost (and reported): the telegram being joined cannot be completed. */
  frameLost(): void {
    this.pending = undefined;
    this.afterLoss = true;
  }

  push(apdu: Uint8Array): GbtEvent[] {
    if (!isGeneralBlockTransfer(apdu)) {
      if (this.pending === undefined) return [{ kind: 'apdu', apdu }];
      return [...this.dropPending('another APDU arrived before its last block'), { kind: 'apdu', apdu }];
    }
    let block: GbtBlock;
    try {
      block = decodeGbtBlock(apdu);
    } catch (error) {
      if (!(error instanceof MeterError)) throw error;
      // A damaged block is the one report of its telegram: the blocks after it go quietly.
      const events = this.dropPending('a damaged block followed', false);
      this.afterLoss = true;
      return [...events, { kind: 'error', error: error.withRaw(apdu) }];
    }

    const events: GbtEvent[] = [];
    if (block.blockNumber === 1) {
      this.afterLoss = false;
      if (this.pending !== undefined)
        events.push(...this.dropPending('a new block 1 arrived before its last block'));
      this.pending = { blocks: [], raws: [], length: 0, next: 1 };
    } else if (this.pending === undefined) {
      if (this.afterLoss) {
        if (block.last) this.afterLoss = false;
        return events;
      }
      this.afterLoss = !block.last;
      events.push(this.missing(`block ${block.blockNumber} arrived without the blocks before it`, apdu));
      return events;
    } else if (block.blockNumber !== this.pending.next) {
      const expected = this.pending.next;
      this.pending = undefined;
      this.afterLoss = !block.last;
      events.push(
        this.missing(`block ${block.blockNumber} arrived where block ${expected} was expected`, apdu),
      );
      return events;
    }

    const pending = this.pending;
    if (pending.length + block.data.length > GBT_MAX_APDU_LENGTH) {
      this.pending = undefined;
      this.afterLoss = !block.last;
      events.push(this.missing(`blocks add up to more than ${GBT_MAX_APDU_LENGTH} bytes`, apdu));
      return events;
    }
    pending.blocks.push(block.data);
    pending.raws.push(apdu);
    pending.length += block.data.length;
    pending.next++;
    if (block.last) {
      this.pending = undefined;
      // From the shared pool, as the other reassemblers' APDUs (bytes/byte-pool.ts).
      events.push({ kind: 'apdu', apdu: pooledJoin(pending.blocks) });
    }
    return events;
  }

  /** End of stream: a telegram still waiting for blocks is reported. */
  end(): GbtEvent[] {
    return this.dropPending('the stream ended before its last block');
  }

  private dropPending(reason: string, report = true): GbtEvent[] {
    const pending = this.pending;
    if (pending === undefined) return [];
    this.pending = undefined;
    if (!report) return [];
    return [
      this.missing(
        `telegram with ${pending.blocks.length} general-block-transfer block(s) dropped: ${reason}`,
        concatAll(pending.raws),
      ),
    ];
  }

  private missing(message: string, raw: Uint8Array): GbtEvent {
    return { kind: 'error', error: new MeterError('SEGMENT_MISSING', message, { raw }) };
  }
}
