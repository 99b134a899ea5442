import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Interner, MAX_INTERNED, MAX_INTERNED_LENGTH, MAX_TRACKED_FIELDS, MAX_TRAITS_PER_NAMES } from '../../../edge/store/intern.js';
import type { StoredTraits } from '../../../edge/store/stored-response.js';

/** One edge's tables, shared by the tests below as one edge's fills would share them. */
const interner = new Interner();
const internValue = (name: string, value: string) => interner.value(name, value);
const internNames = (names: readonly string[], length: number) => interner.names(names, length);
const internTraits = (traits: StoredTraits) => interner.traits(traits);

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

test('two interners share nothing: what one edge stored does not decide what another shares', () => {
  const a = new Interner();
  const b = new Interner();
  const scratch = ['date', 'content-type'];
  assert.ok(a.names(scratch, 2) === a.names(['date', 'content-type'], 2));
  assert.ok(a.names(scratch, 2) !== b.names(scratch, 2), 'each edge has its own shapes');
  const traits = (names: readonly string[]): StoredTraits => ({ status: 200, headerNames: names, noCache: false, mustRevalidate: false, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, varyNames: [] });
  assert.ok(a.traits(traits(a.names(scratch, 2))) === a.traits(traits(a.names(scratch, 2))));
  assert.ok(a.traits(traits(a.names(scratch, 2))) !== b.traits(traits(b.names(scratch, 2))), 'each edge has its own traits');
});

test.run();
