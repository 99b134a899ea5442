/**
 * Small answers leave as one buffer. A hit's kept field block, its few per-response fields and its
 * body are copied into a region of a slab that one server's connections share, and the region goes
 * out with one `socket.write`. Written as three chunks instead, Node's Writable buffers them, builds
 * a chunk list, and its native writev encodes the string chunk and reads every entry back through
 * the V8 API: in a profile of one 1 KiB URL under wrk that machinery cost as much CPU as the edge's
 * own parser.
 *
 * A region is a view of memory the next answer overwrites once the slab starts again, so the slab
 * starts again only when every region handed out since it last did has been seen to leave: its
 * socket's writableLength was back to 0 right after the write (the kernel took the bytes
 * synchronously). A write that is still queued keeps its region, and with it the slab: later
 * answers get a new slab, and the old one is freed with the last write that holds it. A region
 * nobody settles (its connection failed between take and write) only means the slab fills up and
 * is replaced, never reused early.
 */

import { writeChangingFields, writeLatin1 } from './response-head.js';

/** Bytes per slab (allocated outside Node's 8 KiB Buffer pool, so no stored object's pool chunk is tied to it). */
export const ANSWER_SLAB_BYTES = 64 * 1024;

/** Largest answer joined into one buffer; a bigger body is written as its own chunk (copying it would cost more than the chunk list). */
export const MAX_JOINED_ANSWER_BYTES = 16 * 1024;

export class AnswerSlab {
  private bytes = Buffer.allocUnsafeSlow(ANSWER_SLAB_BYTES);
  private used = 0;
  /** Regions handed out from this slab whose writes have not been settled yet. */
  private unsettled = 0;
  /** Which slab this is: a settlement for an earlier one concerns memory no longer handed out. */
  private slabNumber = 0;

  /** The current slab's number, for settle(). */
  get generation(): number {
    return this.slabNumber;
  }

  /** A region of `n` bytes, or undefined when `n` is over MAX_JOINED_ANSWER_BYTES. Settle it once written. */
  take(n: number): Buffer | undefined {
    if (n > MAX_JOINED_ANSWER_BYTES) return undefined;
    if (this.used + n > this.bytes.length) this.renew();
    const region = this.bytes.subarray(this.used, this.used + n);
    this.used += n;
    this.unsettled++;
    return region;
  }

  /**
   * `regions` taken from slab `generation` were written; `stillQueued`: the socket has not handed
   * every byte to the kernel yet, so those regions must not be overwritten.
   */
  settle(generation: number, regions: number, stillQueued: boolean): void {
    if (generation !== this.slabNumber) return; // that slab was left to its writes already
    if (stillQueued) {
      this.renew();
      return;
    }
    this.unsettled -= regions;
    if (this.unsettled <= 0) {
      this.unsettled = 0;
      this.used = 0;
    }
  }

  private renew(): void {
    this.bytes = Buffer.allocUnsafeSlow(ANSWER_SLAB_BYTES);
    this.used = 0;
    this.unsettled = 0;
    this.slabNumber++;
  }
}

/**
 * One answer in one region of `slab`: the kept field block, the changing fields
 * `headers[changingFrom, end)` (checked already, `changingBytes` long), `tail` (this response's
 * own fields and the empty line) and `body`; undefined when the answer is too big to join.
 */
export function joinAnswer(
  slab: AnswerSlab,
  block: Buffer,
  headers: readonly string[],
  changingFrom: number,
  changingBytes: number,
  tail: string,
  body: Buffer | undefined,
): Buffer | undefined {
  const bodyBytes = body === undefined ? 0 : body.length;
  const region = slab.take(block.length + changingBytes + tail.length + bodyBytes);
  if (region === undefined) return undefined;
  // TypedArray set, not Buffer.copy: the same memmove without copy()'s argument checks.
  region.set(block, 0);
  let at = writeChangingFields(region, block.length, headers, changingFrom);
  at = writeLatin1(region, at, tail);
  if (body !== undefined) region.set(body, at);
  return region;
}
