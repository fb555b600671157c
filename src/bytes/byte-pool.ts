/**
 * Copies of a few hundred bytes, cut from a shared block. V8 gives a typed array of more than 64 bytes its
 * own memory outside the heap, and that allocation (and its bookkeeping in the collector) cost more than
 * decoding the bytes: a frame copy and a joined APDU per telegram. A view into a block costs a small object.
 *
 * A kept copy keeps its block (POOL_BLOCK bytes) alive, as Node's Buffer pool does; copies longer than
 * MAX_POOLED get memory of their own. Nothing else is ever written to a copy's bytes.
 */

const POOL_BLOCK = 8 * 1024;
const MAX_POOLED = 1024;

let block = new ArrayBuffer(POOL_BLOCK);
let used = 0;

/** `length` bytes of the caller's own, to be filled by the caller. */
function take(length: number): Uint8Array {
  if (length > MAX_POOLED) return new Uint8Array(length);
  if (used + length > POOL_BLOCK) {
    block = new ArrayBuffer(POOL_BLOCK);
    used = 0;
  }
  const out = new Uint8Array(block, used, length);
  // Eight-byte aligned, as a DataView over a copy may read doubles.
  used += (length + 7) & ~7;
  return out;
}

/** A copy of `source[start, end)`. */
export function pooledCopy(source: Uint8Array, start: number, end: number): Uint8Array {
  const out = take(end - start);
  out.set(source.subarray(start, end));
  return out;
}

/** The parts one after another, in one copy. */
export function pooledJoin(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = take(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
