import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { internNames, internTraits, internValue, MAX_INTERNED, MAX_INTERNED_LENGTH, MAX_TRACKED_FIELDS, MAX_TRAITS_PER_NAMES } from '../../../edge/store/intern.js';
import type { StoredTraits } from '../../../edge/store/stored-response.js';

test('values come back equal whether shared, one-off, too long or past every bound', () => {
  const etags = Array.from({ length: MAX_INTERNED + 10 }, (_, i) => `"v1-${i}"`);
  for (const etag of etags) assert.is(internValue('etag', etag), etag);
  for (let i = 0; i < 3; i++) assert.is(internValue('content-type', 'text/plain'), 'text/plain');
  const long = 'x'.repeat(MAX_INTERNED_LENGTH + 1);
  assert.is(internValue('link', long), long);
  assert.is(internValue('link', long), long);
  for (let i = 0; i < MAX_TRACKED_FIELDS + 10; i++) assert.is(internValue(`x-field-${i}`, 'same'), 'same');
  assert.is(internValue('content-type', 'text/html'), 'text/html');
});

test('one frozen name array per sequence of names', () => {
  const scratch = ['date', 'content-type', 'etag', 'left over'];
  const a = internNames(scratch, 3);
  const b = internNames(['date', 'content-type', 'etag'], 3);
  assert.ok(a === b);
  assert.equal(a, ['date', 'content-type', 'etag']);
  assert.ok(Object.isFrozen(a));
  assert.ok(internNames(scratch, 2) !== a);
});

function traits(staleIfErrorMs: number, varyNames: readonly string[] = []): StoredTraits {
  return {
    status: 200,
    headerNames: internNames(['date', 'x-traits-test'], 2),
    noCache: false,
    mustRevalidate: false,
    staleWhileRevalidateMs: 0,
    staleIfErrorMs,
    varyNames,
  };
}

test('traits are kept once per distinct combination, and past the bound still exact, only unshared', () => {
  assert.ok(internTraits(traits(1)) === internTraits(traits(1)));
  assert.ok(internTraits(traits(1, ['accept'])) === internTraits(traits(1, ['accept'])));
  assert.ok(internTraits(traits(1)) !== internTraits(traits(2)));
  assert.ok(internTraits(traits(1)) !== internTraits(traits(1, ['accept'])));
  for (let i = 0; i < MAX_TRAITS_PER_NAMES + 5; i++) assert.is(internTraits(traits(100 + i)).staleIfErrorMs, 100 + i);
  const past = internTraits(traits(MAX_TRAITS_PER_NAMES + 200));
  assert.is(past.staleIfErrorMs, MAX_TRAITS_PER_NAMES + 200);
  assert.ok(Object.isFrozen(past));
});

test.run();
