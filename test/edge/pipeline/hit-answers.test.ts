import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HitAnswers } from '../../../edge/pipeline/hit-answers.js';
import type { StoredResponse } from '../../../edge/store/stored-response.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';

/** Stored at t=10,000 ms with an initial age of 2 s, fresh until t=310,000 ms. */
function stored(): StoredResponse {
  return {
    status: 200,
    headerNames: ['content-type', 'content-length'],
    headerValues: ['text/plain', '5'],
    body: Buffer.from('hello'),
    storedAtMonoMs: 10_000,
    initialAgeMs: 2_000,
    freshUntilMonoMs: 310_000,
    noCache: false,
    mustRevalidate: false,
    staleWhileRevalidateMs: 0,
    staleIfErrorMs: 0,
    varyNames: [],
    varyValues: [],
    surrogateKeys: [],
  };
}

/** `count` records, each hit twice at `ms` (the first hit only marks a record; the second keeps an answer), and their kept answers. */
function keptAnswers(answers: HitAnswers, count: number, ms: number): { records: StoredResponse[]; kept: EdgeResponse[] } {
  const records = Array.from({ length: count }, () => stored());
  const kept = records.map((s) => {
    answers.answer(s, ms);
    return answers.answer(s, ms);
  });
  return { records, kept };
}

const header = (r: EdgeResponse, name: string): string | undefined => {
  for (let i = 0; i + 1 < r.headers.length; i += 2) if (r.headers[i] === name) return r.headers[i + 1];
  return undefined;
};

test('a hit carries the stored fields, Age per RFC 9111 §4.2.3 and the ttl in Cache-Status', () => {
  const answers = new HitAnswers('edge-1; hit; ttl=');
  const r = answers.answer(stored(), 10_500);
  assert.equal(r.headers.slice(0, 4), ['content-type', 'text/plain', 'content-length', '5']);
  assert.is(header(r, 'age'), '2');
  assert.is(header(r, 'cache-status'), 'edge-1; hit; ttl=299');
  assert.is(r.outcome.ttlSeconds, 299);
  assert.is(r.body?.toString(), 'hello');
});

test('the answer is retimed in place when the age ticks over a second', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  answers.answer(s, 10_000); // the first hit is not kept (see below)
  const first = answers.answer(s, 10_100);
  const again = answers.answer(s, 10_900);
  assert.is(again, first, 'same second: the same answer');
  const later = answers.answer(s, 11_000);
  assert.is(later, first, 'next second: the same object, retimed');
  assert.is(header(later, 'age'), '3');
  assert.is(header(later, 'cache-status'), 'c; hit; ttl=299');
  assert.is(later.outcome.ttlSeconds, 299);
  assert.is(header(answers.answer(s, 12_000), 'cache-status'), 'c; hit; ttl=298');
});

test('retiming leaves the serialized block a server layer kept (wire.head): Age and Cache-Status sit from wire.changingFrom on, outside it', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  answers.answer(s, 10_000);
  const first = answers.answer(s, 10_100);
  assert.ok(first.wire !== undefined, 'a reused answer offers a place for the serialized block');
  const from = first.wire!.changingFrom!;
  assert.equal(first.headers.slice(0, from), ['content-type', 'text/plain', 'content-length', '5'], 'the stored fields come before');
  assert.equal(first.headers.slice(from), ['age', '2', 'cache-status', 'c; hit; ttl=299']);
  const kept = { serialized: true };
  first.wire!.head = kept;
  assert.is(answers.answer(s, 10_900).wire!.head, kept, 'same second: still valid');
  const later = answers.answer(s, 11_000);
  assert.is(later.wire!.head, kept, 'Age changed, but only after changingFrom: the kept block stays valid');
  assert.equal(later.headers.slice(later.wire!.changingFrom!), ['age', '3', 'cache-status', 'c; hit; ttl=299']);
});

test('an answer unused for two seconds that had hits is dropped; a different object gets its own', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  answers.answer(s, 10_000);
  const first = answers.answer(s, 10_000);
  assert.is.not(answers.answer(stored(), 10_000), first, 'keyed by stored response');
  answers.answer(stored(), 11_000);
  answers.answer(stored(), 12_000);
  answers.answer(stored(), 13_000);
  const fresh = answers.answer(s, 13_000);
  assert.is.not(fresh, first, 'not hit during seconds 11 and 12: rebuilt');
  assert.is(header(fresh, 'age'), '5');
});

test('a soft purge moving freshness earlier changes the ttl even within the same age second', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  answers.answer(s, 10_000);
  answers.answer(s, 10_000); // kept from here
  s.freshUntilMonoMs = 70_000;
  assert.is(header(answers.answer(s, 10_000), 'cache-status'), 'c; hit; ttl=60');
});

test('two edges answering one record each use their own answer', () => {
  const s = stored();
  const a = new HitAnswers('a; hit; ttl=');
  const b = new HitAnswers('b; hit; ttl=');
  assert.is(header(a.answer(s, 10_000), 'cache-status'), 'a; hit; ttl=300');
  assert.is(header(b.answer(s, 10_000), 'cache-status'), 'b; hit; ttl=300');
  assert.is(header(a.answer(s, 10_500), 'cache-status'), 'a; hit; ttl=299');
});

test('an answer is released from its record once it goes unused for a whole second', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  answers.answer(s, 10_000);
  const kept = answers.answer(s, 10_000);
  assert.is(answers.answer(s, 10_000), kept, 'hit twice: kept');
  answers.answer(stored(), 11_500);
  assert.is(answers.answer(s, 11_600), kept, 'used in the second just before: still kept');
  answers.answer(stored(), 12_500);
  answers.answer(stored(), 13_000);
  assert.is(answers.answer(s, 13_100), kept, 'unused in second 12 but used in 11: still kept');
  answers.answer(stored(), 14_500);
  answers.answer(stored(), 15_000);
  answers.answer(stored(), 16_000);
  assert.is(s.hitAnswer, undefined, 'not used in seconds 14 and 15, which had hits: dropped, so a cold object holds no answer');
});

test('a lull keeps the answers: after seconds with no hits at all, what the last two busy seconds used is reused, and what they did not use is dropped', () => {
  // Load that returns after a lull (and the bench's interleaved rounds) would otherwise rebuild a
  // whole hot set's answers at once: a burst of surviving objects, scavenges of 3-16 ms.
  const answers = new HitAnswers('c; hit; ttl=');
  const hot = stored();
  const cooling = stored();
  answers.answer(hot, 10_000);
  const kept = answers.answer(hot, 10_100);
  answers.answer(cooling, 10_200);
  const coolingKept = answers.answer(cooling, 10_300);
  assert.is(answers.answer(hot, 11_000), kept, 'seconds 11 and 12 use only the hot record');
  assert.is(answers.answer(hot, 12_000), kept);
  const after = answers.answer(hot, 25_000);
  assert.is(after, kept, 'nothing hit in seconds 13-24: the answer used in seconds 11-12 is kept');
  assert.is(header(after, 'age'), '17', 'and retimed');
  assert.is(cooling.hitAnswer, undefined, 'unused in seconds 11 and 12, the last with hits: dropped');
  assert.is.not(answers.answer(cooling, 25_100), coolingKept);
});

test('load that stops just after a second begins does not drop the hot set: a last busy second with a few hits leaves what the full second before it used', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const { records, kept } = keptAnswers(answers, 20, 10_000);
  for (const s of records) answers.answer(s, 11_500); // second 11: the whole hot set
  answers.answer(records[0]!, 12_010); // second 12: load stops 10 ms in
  records.forEach((s, i) => assert.is(answers.answer(s, 30_000), kept[i], `record ${i}, used in second 11: kept after the lull`));
});

test('the first hit is answered in full but not kept: the record holds only a mark shared by every record, and a second hit within about a second keeps an answer', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const a = stored();
  const b = stored();
  const once = answers.answer(a, 10_000);
  assert.is(header(once, 'cache-status'), 'c; hit; ttl=300');
  assert.is(once.wire, undefined, 'not reused: no place for a kept serialized block');
  answers.answer(b, 10_200);
  assert.ok(a.hitAnswer !== undefined && a.hitAnswer === b.hitAnswer, 'one mark for every record hit once in this second');
  const twice = answers.answer(a, 11_900);
  assert.ok(twice.wire !== undefined, 'hit again in the next second: kept');
  assert.is(answers.answer(a, 11_950), twice);
  assert.is(header(twice, 'age'), '3');
});

test('over many sweeps, every answer still used keeps its object and every one unused is released', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const { records, kept } = keptAnswers(answers, 50, 10_000);
  // Second 11 + j uses the first 50 - 8j records: each sweep keeps fewer, and the holder arrays swap.
  for (let j = 0; j < 6; j++) {
    const used = 50 - 8 * j;
    for (let i = 0; i < used; i++) assert.is(answers.answer(records[i]!, 11_000 + 1000 * j), kept[i], `second ${11 + j}, record ${i}`);
  }
  answers.answer(stored(), 17_000); // the sweep of second 17 drops what seconds 15 and 16 did not use
  records.forEach((s, i) => {
    if (i >= 18) assert.is(s.hitAnswer, undefined, `record ${i} unused in seconds 15 and 16: released`);
  });
  for (let i = 0; i < 18; i++) assert.is(answers.answer(records[i]!, 17_000), kept[i], `record ${i} used in second 15 or 16: kept`);
});

test('an object hit less often than every other second never gets a kept answer (kept answers dropped unused lived long enough to be promoted)', () => {
  const answers = new HitAnswers('c; hit; ttl=');
  const s = stored();
  for (let t = 10_000; t < 30_000; t += 2_500) {
    const r = answers.answer(s, t);
    assert.is(r.wire, undefined, `hit at ${t} ms: not kept`);
    assert.is(header(r, 'age'), String(Math.floor((2_000 + t - 10_000) / 1000)));
  }
});

test.run();
