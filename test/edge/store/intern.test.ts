import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { internNames, internTraits, MAX_TRAITS_PER_NAMES } from '../../../edge/store/intern.js';
import type { StoredTraits } from '../../../edge/store/stored-response.js';

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
