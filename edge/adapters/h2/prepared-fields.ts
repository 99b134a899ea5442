/**
 * The response fields node:http2's `stream.respond` takes, prepared once per reused answer
 * (EdgeResponse.wire: a hot object's hit answer, retimed in place once a second) rather than once
 * per stream. A kept object is used only while the answer's header list is the very list it was
 * made from, element by element (a retime puts new Age and Cache-Status strings in), so no
 * invalidation protocol is needed. node copies the object before it adds `date`, so the kept one
 * is never changed.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import type { EdgeResponse } from '../../pipeline/types.js';
import { h2ResponseFields } from './response-fields.js';

interface Kept {
  /** A copy of the header list the fields were made from. */
  source: string[];
  fields: OutgoingHttpHeaders;
}

export class PreparedH2Fields {
  /** Keyed by the answer's `wire` object: dropped with the answer. */
  private readonly kept = new WeakMap<object, Kept>();

  fieldsFor(r: EdgeResponse): OutgoingHttpHeaders {
    if (r.wire === undefined) return withStatus(r);
    const kept = this.kept.get(r.wire);
    if (kept !== undefined && sameList(kept.source, r.headers)) return kept.fields;
    const fields = withStatus(r);
    this.kept.set(r.wire, { source: r.headers.slice(), fields });
    return fields;
  }
}

function withStatus(r: EdgeResponse): OutgoingHttpHeaders {
  const fields: OutgoingHttpHeaders = h2ResponseFields(r.headers);
  fields[':status'] = r.status;
  return fields;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
