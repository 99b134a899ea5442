/** The completed-request seam: every observer sees every record; one that throws neither escapes nor stops the others. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fanOut, upstreamOf, type CompletedRequest } from '../../../edge/pipeline/request-events.js';

const event = { outcome: { kind: 'hit', hit: true, bytes: 0 } } as unknown as CompletedRequest;

test('fanOut: a throwing observer is reported, the next still runs, nothing escapes', () => {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const o = fanOut(
    [
      { completed: () => { throw new Error('boom'); } },
      { completed: () => void seen.push('second') },
    ],
    (err) => errors.push(err),
  );
  o.completed(event);
  assert.equal(seen, ['second']);
  assert.is(errors.length, 1);
});

test('fanOut: a single throwing observer does not escape either', () => {
  const errors: unknown[] = [];
  fanOut([{ completed: () => { throw new Error('boom'); } }], (err) => errors.push(err)).completed(event);
  assert.is(errors.length, 1);
});

test('upstreamOf: origin, a peer id, or "-"', () => {
  assert.is(upstreamOf({ kind: 'miss', hit: false, bytes: 0, upstream: 'origin' }), 'origin');
  assert.is(upstreamOf({ kind: 'miss', hit: false, bytes: 0, upstream: 'e2' }), 'e2');
  assert.is(upstreamOf({ kind: 'hit', hit: true, bytes: 0 }), '-');
});

test.run();
