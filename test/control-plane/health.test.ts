/** Health derivation as a table: heartbeat age and error rate against the default thresholds. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Health } from '../../common/control-protocol.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { deriveEdgeHealth, deriveRegionHealth } from '../../control-plane/health.js';

const thresholds = controlPlaneConfigWithDefaults().health;
const NOW = 1_000_000;

const rows: Array<[string, number | undefined, number, Health, number?]> = [
  // [why, heartbeat age ms (undefined = never), error rate, expected, requests/s (default 100)]
  ['fresh heartbeat, no errors', 0, 0, 'healthy'],
  ['age at the degraded threshold', 3_000, 0, 'healthy'],
  ['age just past the degraded threshold', 3_001, 0, 'degraded'],
  ['age at the down threshold', 10_000, 0, 'degraded'],
  ['age just past the down threshold', 10_001, 0, 'down'],
  ['never heartbeated', undefined, 0, 'down'],
  ['error rate just under degraded', 0, 0.0499, 'healthy'],
  ['error rate at degraded', 0, 0.05, 'degraded'],
  ['error rate just under down', 0, 0.4999, 'degraded'],
  ['error rate at down', 0, 0.5, 'down'],
  ['all errors', 0, 1, 'down'],
  ['old and failing: the worse wins', 5_000, 0.6, 'down'],
  ['degraded age with low errors', 5_000, 0.01, 'degraded'],
  ['all errors but too few requests to judge (a lone peer-protocol miss)', 0, 1, 'healthy', 1],
  ['all errors at the sample threshold', 0, 1, 'down', 5],
];

for (const [why, ageMs, errorRate, expected, requestsPerSec = 100] of rows) {
  test(`edge health ${expected}: ${why}`, () => {
    const lastHeartbeatAtMs = ageMs === undefined ? undefined : NOW - ageMs;
    assert.is(deriveEdgeHealth({ nowMs: NOW, lastHeartbeatAtMs, errorRate, requestsPerSec }, thresholds), expected);
  });
}

const regionRows: Array<[Health[], Health]> = [
  [[], 'down'],
  [['healthy'], 'healthy'],
  [['healthy', 'healthy'], 'healthy'],
  [['healthy', 'degraded'], 'degraded'],
  [['healthy', 'down'], 'degraded'],
  [['degraded', 'down'], 'degraded'],
  [['down', 'down'], 'down'],
];

for (const [members, expected] of regionRows) {
  test(`region health ${expected} for [${members.join(', ')}]`, () => {
    assert.is(deriveRegionHealth(members), expected);
  });
}

test('documented defaults', () => {
  assert.equal(thresholds, { degradedAfterMs: 3_000, downAfterMs: 10_000, degradedErrorRate: 0.05, downErrorRate: 0.5, minRequestsPerSec: 5, membershipAfterMs: 3_000, checkIntervalMs: 1_000 });
});

test.run();
