import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryRecord, RequestRecord } from '../../sim/history.js';
import { MAX_NUMBERED_LENGTH, MAX_STRINGS, REQUEST_FIELDS, TraceFingerprint } from '../../sim/trace-fingerprint.js';

/**
 * The encoding sim/trace-fingerprint.ts documents, written the plain way: one small Buffer per
 * part, concatenated, hashed once. The class must give the same digest at any buffer boundary.
 */
function referenceDigest(records: readonly object[]): string {
  const parts: Buffer[] = [];
  const ids = new Map<string, number>();
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const str = (s: string): void => {
    const id = ids.get(s);
    if (id !== undefined) return void parts.push(Buffer.from([1]), u32(id));
    if (s.length > MAX_NUMBERED_LENGTH) return void parts.push(Buffer.from([10]), u32(s.length), Buffer.from(s, 'utf16le'));
    if (ids.size >= MAX_STRINGS) ids.clear();
    ids.set(s, ids.size);
    parts.push(Buffer.from([2]), u32(s.length), Buffer.from(s, 'utf16le'));
  };
  const num = (n: number): void => {
    const b = Buffer.alloc(9);
    b[0] = 3;
    b.writeDoubleLE(n === 0 ? 0 : Number.isNaN(n) ? Number.NaN : n, 1);
    parts.push(b);
  };
  const val = (v: unknown): void => {
    if (typeof v === 'string') str(v);
    else if (typeof v === 'number') num(v);
    else if (typeof v === 'boolean') parts.push(Buffer.from([v ? 4 : 5]));
    else if (v === null) parts.push(Buffer.from([6]));
    else {
      parts.push(Buffer.from([7]));
      str(JSON.stringify(v));
    }
  };
  for (const rec of records) {
    const fields = rec as Record<string, unknown>;
    if (fields['type'] === 'request') {
      parts.push(Buffer.from([8]));
      for (const name of REQUEST_FIELDS) {
        if (fields[name] === undefined) parts.push(Buffer.from([9]));
        else val(fields[name]);
      }
      continue;
    }
    parts.push(Buffer.from([0]));
    for (const [name, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      str(name);
      val(v);
    }
  }
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex');
}

const digestOf = (records: readonly object[]): string => {
  const f = new TraceFingerprint();
  for (const r of records) f.add(r);
  return f.digest();
};

const request = (i: number, over: Partial<RequestRecord> = {}): RequestRecord => ({
  type: 'request',
  t: i * 0.37,
  arrivedMs: i * 0.37 - 0.1,
  node: `r${i % 3}-e${i % 4}`,
  region: `r${i % 3}`,
  role: i % 5 === 0 ? 'peer' : 'client',
  from: i % 5 === 0 ? 'r1-e2' : undefined,
  key: `/o/${i % 97}?size=${100 + i}`,
  method: 'GET',
  status: 200,
  kind: i % 2 === 0 ? 'hit' : 'miss',
  detail: undefined,
  version: i % 7,
  bytes: 1000 + i,
  declaredBytes: 1000 + i,
  truncated: false,
  latencyMs: 0.5,
  coding: undefined,
  ...over,
});

test('the digest is the documented encoding, across buffer boundaries and for every record type', () => {
  for (const count of [0, 1, 100, 5_000]) {
    const records: HistoryRecord[] = [];
    for (let i = 0; i < count; i++) {
      if (i % 11 === 0) records.push({ type: 'fault', t: i / 3, kind: 'crash', detail: `r1-e${i} é "q" ${'x'.repeat(i % 300)}` });
      else if (i % 13 === 0) records.push({ type: 'left', t: i, node: 'r1-e1', pushed: i, refused: 0, skipped: 1, bytes: -0, drained: true, removedFromRing: false });
      else records.push(request(i, i % 17 === 0 ? { detail: 'handoff-miss', coding: 'gzip', from: undefined } : {}));
    }
    assert.is(digestOf(records), referenceDigest(records), `${count} records`);
  }
});

test('strings longer than the numbered ones, than the buffer, or ending exactly at its end; the string table emptied when full', () => {
  const long = { type: 'ring', t: 1, node: 'r1-e1', region: 'r1', members: 'e,'.repeat(70_000) } as const;
  assert.is(digestOf([long, long]), referenceDigest([long, long]));
  const unnumbered = { type: 'fault', t: 1, kind: 'k', detail: 'd'.repeat(MAX_NUMBERED_LENGTH + 1) } as const;
  const numbered = { type: 'fault', t: 1, kind: 'k', detail: 'd'.repeat(MAX_NUMBERED_LENGTH) } as const;
  assert.is(digestOf([unnumbered, numbered, unnumbered, numbered]), referenceDigest([unnumbered, numbered, unnumbered, numbered]));
  // A tag, a length and 32,765 units: 65,535 bytes, one short of the buffer, after 0-40 bytes already in it.
  for (let before = 0; before <= 40; before += 8) {
    const records = [{ type: 'fault', t: 1, kind: 'x'.repeat(before), detail: 'y' }, { type: 'fault', t: 2, kind: 'k', detail: 'z'.repeat(32_765) }, request(1)];
    assert.is(digestOf(records), referenceDigest(records), `${before}`);
  }
  const many: HistoryRecord[] = Array.from({ length: MAX_STRINGS + 10 }, (_, i) => ({ type: 'purge-applied', t: i, node: `n${i % (MAX_STRINGS + 3)}`, seq: i }));
  many.push({ type: 'purge-applied', t: 0, node: 'n1', seq: 0 });
  assert.is(digestOf(many), referenceDigest(many));
});

test('records that differ in any field, or only in how strings split, have different digests', () => {
  const base = [request(1), request(2)];
  const variants: object[][] = [
    [request(1, { status: 304 }), request(2)],
    [request(1, { t: 0.37 + Number.EPSILON }), request(2)],
    [request(1, { detail: '' }), request(2)],
    [request(1, { truncated: true }), request(2)],
    [request(2), request(1)],
    [request(1)],
    [request(1), request(2), request(2)],
    [request(1, { node: 'r1-e1', region: 'r1x' }), request(2)],
  ];
  const seen = new Set([digestOf(base)]);
  for (const v of variants) {
    const d = digestOf(v);
    assert.not.ok(seen.has(d), JSON.stringify(v));
    seen.add(d);
  }
  // Splits and types that one text could hide.
  const pairs: Array<[object, object]> = [
    [{ type: 'fault', t: 1, kind: 'ab', detail: 'c' }, { type: 'fault', t: 1, kind: 'a', detail: 'bc' }],
    [{ type: 'sample', t: 1, node: '1', storeBytes: 1, maxBytes: 1, up: true }, { type: 'sample', t: 1, node: 1, storeBytes: 1, maxBytes: 1, up: 'true' }],
    [{ type: 'fault', t: 1, kind: '\ud800', detail: '' }, { type: 'fault', t: 1, kind: '\udc00', detail: '' }],
    [{ type: 'purge-applied', t: 1, node: 'a', seq: 2 }, { type: 'purge-applied', t: 1, seq: 2, node: 'a' }],
  ];
  for (const [a, b] of pairs) assert.is.not(digestOf([a]), digestOf([b]), JSON.stringify([a, b]));
});

test('every NaN is one NaN, -0 is 0, and a missing request field is written as absent', () => {
  const nan = (v: number): object => ({ type: 'sample', t: v, node: 'n', storeBytes: 0, maxBytes: 0, up: true });
  const zero = 0;
  assert.is(digestOf([nan(zero * Number.POSITIVE_INFINITY)]), digestOf([nan(Number.NaN)]));
  assert.is(digestOf([nan(-0)]), digestOf([nan(0)]));
  assert.is(digestOf([request(1, { truncated: undefined as unknown as boolean })]), referenceDigest([request(1, { truncated: undefined as unknown as boolean })]));
  assert.is.not(digestOf([request(1, { truncated: undefined as unknown as boolean })]), digestOf([request(1, { truncated: false })]));
});

test('an undefined field is the same as no field, as in the JSON line; the digest can be taken twice and goes on', () => {
  assert.is(digestOf([{ type: 'fault', t: 1, kind: 'k', detail: 'd', extra: undefined }]), digestOf([{ type: 'fault', t: 1, kind: 'k', detail: 'd' }]));
  const f = new TraceFingerprint();
  f.add(request(1));
  const first = f.digest();
  assert.is(f.digest(), first);
  f.add(request(2));
  assert.is(f.digest(), digestOf([request(1), request(2)]));
});

test('a record changed after it was added changes nothing: it was encoded when added', () => {
  const rec = request(3);
  const f = new TraceFingerprint();
  f.add(rec);
  rec.status = 500;
  assert.is(f.digest(), digestOf([request(3)]));
});

test.run();
