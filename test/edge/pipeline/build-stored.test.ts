/**
 * What a stored response keeps: its Vary selection holds the request's values as strings of
 * their own, never views of the request head they were parsed from.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildStoredResponse } from '../../../edge/pipeline/build-stored.js';
import { effectiveDirectives } from '../../../edge/policy/freshness.js';
import { Interner } from '../../../edge/store/intern.js';
import type { StoredResponse } from '../../../edge/store/stored-response.js';
import { viewCostPerItem } from '../../support/heap-per-item.js';

const HEADERS: Array<[string, string]> = [['cache-control', 'max-age=60'], ['vary', 'Accept-Language']];
const BODY = Buffer.from('varied');

test('a stored Vary value keeps nothing else alive: a value sliced from a request head does not keep the head', () => {
  // The own HTTP/1.1 parser slices a field value that changed since the connection's last request
  // from the head it decoded; stored as it came, every variant kept its filling request's head.
  const interner = new Interner();
  const options = { setCookie: 'bypass' as const, heuristic: { fraction: 0.1, maxSeconds: 60 }, staleIfErrorDefaultSeconds: 0, via: '1.1 e', interner };
  const plan = { effective: effectiveDirectives(HEADERS), lifetime: { lifetimeMs: 60_000, heuristic: false } };
  const kept: StoredResponse[] = [];
  const headChars = 8_192;
  const perResponse = viewCostPerItem(2_000, headChars, (i) => `en-GB-x-variant-${i}`, (language) => {
    kept.push(buildStoredResponse({ method: 'GET', requestHeaders: { host: 'a', 'accept-language': language }, status: 200, headers: HEADERS, requestTimeMs: 0, responseTimeMs: 0, responseMonoMs: 0 }, plan, BODY, options));
  });
  assert.ok(perResponse < headChars / 4, `${perResponse.toFixed(0)} bytes of heap per stored response over plain values, heads of ${headChars}`);
  assert.equal(kept[1_999]!.varyValues, ['en-GB-x-variant-1999']);
  assert.is(kept.length, 4_000);
});

test.run();
