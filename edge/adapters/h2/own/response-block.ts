/**
 * A response's HPACK header block for the own layer, prepared once per reused answer
 * (EdgeResponse.wire: a hot object's hit answer, retimed in place once a second) and kept while
 * the answer's header list is the very list it was made from, as prepared-fields.ts does for
 * node:http2. Date is the per-response part: appended unless the answer has one (RFC 9110
 * §6.6.1; node:http2 adds it the same way).
 */
import type { EdgeResponse } from '../../../pipeline/types.js';
import { h2ResponseFields } from '../response-fields.js';
import { encodeField, encodeResponseBlock } from './hpack-encoder.js';

interface Kept {
  source: string[];
  block: Buffer;
  hasDate: boolean;
}

export class ResponseBlocks {
  private readonly kept = new WeakMap<object, Kept>();
  private dateSecond = -1;
  private dateField: Buffer = Buffer.alloc(0);

  /** The block for `r`; `wallMs` is the edge's wall clock (for Date). */
  blockFor(r: EdgeResponse, wallMs: number): Buffer {
    let kept = r.wire === undefined ? undefined : this.kept.get(r.wire);
    if (kept === undefined || !sameList(kept.source, r.headers)) {
      kept = prepare(r);
      if (r.wire !== undefined) this.kept.set(r.wire, kept);
    }
    if (kept.hasDate) return kept.block;
    return Buffer.concat([kept.block, this.date(wallMs)]);
  }

  private date(wallMs: number): Buffer {
    const second = Math.floor(wallMs / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateField = encodeField('date', new Date(second * 1000).toUTCString());
    }
    return this.dateField;
  }
}

/** `[name, value, ...]` for the encoder, from node:http2's field object (repeated names as several fields). */
export function flatFields(fields: Record<string, string | string[]>): string[] {
  const flat: string[] = [];
  for (const name in fields) {
    const value = fields[name]!;
    if (Array.isArray(value)) for (const v of value) flat.push(name, v);
    else flat.push(name, value);
  }
  return flat;
}

function prepare(r: EdgeResponse): Kept {
  const fields = h2ResponseFields(r.headers);
  return { source: r.headers.slice(), block: encodeResponseBlock(r.status, flatFields(fields)), hasDate: fields['date'] !== undefined };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
