/**
 * Each product-rule break variant (common/break-switches.ts) is caught by its checker on a known
 * seed, and the same seed passes that checker unbroken: the one flipped rule is what it catches.
 * Seeds were found with `cdn-sim swarm --break X`; a change to the trace may move them (search
 * again with a few seeds, as the purge-replay test in sim.test.ts notes).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario, type Scenario } from '../../sim/scenario/schema.js';
import { runSwarmSeed } from '../../sim/swarm-seed.js';
import type { Break } from '../../sim/world/world.js';

/** Short runs with small caches (the byte bound is reached) and a standby edge. */
const short = parseScenario({
  name: 'break-test',
  durationMs: 8_000,
  settleMs: 6_000,
  topology: { regions: [{ name: 'r1', edges: 3, standbyEdges: 1, cacheMaxBytes: 300_000, requestsPerSecond: 120 }, { name: 'r2', edges: 2, requestsPerSecond: 80 }] },
  checks: { convergenceBoundMs: 4_000 },
});

const cases: Array<{ variant: Break; checker: string; seed: number; base: Scenario | undefined }> = [
  { variant: 'routing', checker: 'routing', seed: 1, base: short },
  { variant: 'local', checker: 'local', seed: 1, base: short },
  // Generated scenarios (no base): a peer's aged copy needs hot keys, a lost stream a cut.
  { variant: 'freshness', checker: 'freshness', seed: 1, base: undefined },
  // Seed 1 now draws only membership changes (MEMBERSHIP_ONLY_SHARE): no cut, nothing to catch.
  { variant: 'convergence', checker: 'convergence', seed: 3, base: undefined },
  // Seed 5's one fault is a lease lapse (LEASE_ONLY_SHARE): purges complete while r2 is cut off.
  { variant: 'lease', checker: 'purge-safety', seed: 5, base: undefined },
];

for (const c of cases) {
  test(`--break ${c.variant} is caught by ${c.checker} on seed ${c.seed}, which passes ${c.checker} unbroken`, async () => {
    const broken = await runSwarmSeed(c.seed, c.base, [c.variant]);
    assert.ok(broken.failed.split(',').includes(c.checker), `failed: ${broken.failed}`);
    const unbroken = await runSwarmSeed(c.seed, c.base, []);
    assert.not.ok(unbroken.failed.split(',').includes(c.checker), `unbroken failed: ${unbroken.failed} ${unbroken.example}`);
  });
}

test.run();
