/** Byte-range answers for the origin (RFC 9110 §14), as pure functions over header text. */
import { strongMatch } from './conditional.js';

export type RangeDecision =
  /** No Range, or one to ignore (malformed, several ranges, failed If-Range): send 200. */
  | { kind: 'full' }
  /** Send 206 with bytes first..last inclusive. */
  | { kind: 'partial'; first: number; last: number }
  /** Send 416 with `Content-Range: bytes * /length`. */
  | { kind: 'unsatisfiable' };

/**
 * Decides a single `bytes` range against a representation of `lengthBytes` (RFC 9110 §14.1.1-2):
 * `a-b`, `a-` and suffix `-n`. A server may ignore Range (§14.2), which this origin does for
 * multiple ranges and for anything it cannot parse, including `last < first`. A range whose first
 * byte is past the end, or a zero-length suffix, is unsatisfiable (§14.1.1 / §15.5.17).
 */
export function decideRange(rangeHeader: string | undefined, lengthBytes: number): RangeDecision {
  if (rangeHeader === undefined) return { kind: 'full' };
  const unit = /^\s*bytes\s*=(.*)$/i.exec(rangeHeader);
  if (unit === null) return { kind: 'full' };
  const spec = unit[1]!.trim();
  if (spec.includes(',')) return { kind: 'full' };
  const parts = /^(\d*)-(\d*)$/.exec(spec);
  if (parts === null) return { kind: 'full' };
  const [, firstText = '', lastText = ''] = parts;

  if (firstText === '') {
    if (lastText === '') return { kind: 'full' };
    const suffixBytes = Number(lastText);
    if (suffixBytes === 0 || lengthBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', first: Math.max(0, lengthBytes - suffixBytes), last: lengthBytes - 1 };
  }
  const first = Number(firstText);
  const last = lastText === '' ? undefined : Number(lastText);
  if (last !== undefined && last < first) return { kind: 'full' };
  if (first >= lengthBytes) return { kind: 'unsatisfiable' };
  return { kind: 'partial', first, last: Math.min(last ?? lengthBytes - 1, lengthBytes - 1) };
}

/**
 * If-Range (RFC 9110 §13.1.5): the range applies only when the validator still matches: an
 * entity tag by strong comparison, or a date exactly equal to Last-Modified.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string | undefined, lastModified: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return etag !== undefined && strongMatch(value, etag);
  return lastModified !== undefined && value === lastModified;
}
