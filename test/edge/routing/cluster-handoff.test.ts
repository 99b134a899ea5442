/** The handoff window over membership changes: which previous owners a new owner asks, and for how long. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, MAX_HANDOFF_ASKS } from '../../../edge/routing/cluster.js';
import { Ring, type RingMember } from '../../../edge/routing/ring.js';
import { FakeClock } from '../../support/fake-clock.js';

const member = (id: string): RingMember => ({ id, url: `http://${id}.test`, weight: 1 });
const ring = (...ids: string[]) => ids.map(member);
const keys = Array.from({ length: 2000 }, (_, i) => `/k/${i}`);

function cluster(selfId: string, members: RingMember[], clock = new FakeClock(), handoffMs = 1000): Cluster {
  return new Cluster({ selfId, members, clock, peerSuspectMs: 100, peerMaxSuspectMs: 100, hotKeyRequestsPerSecond: 100, handoffMs });
}

/** Keys `self` owns in `after` whose owner in `before` was someone else, with that owner. */
function movedTo(self: string, before: string[], after: string[]): Array<[string, string]> {
  const b = new Ring(ring(...before));
  const a = new Ring(ring(...after));
  return keys.filter((k) => a.owner(k).id === self && b.owner(k).id !== self).map((k) => [k, b.owner(k).id]);
}

test('a joining edge asks the owner the ring names without it', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'));
  const moved = movedTo('e4', ['e1', 'e2', 'e3'], ['e1', 'e2', 'e3', 'e4']);
  assert.ok(moved.length > 300);
  for (const [k, old] of moved) assert.is(c.handoffPeer(k)?.id, old, k);
});

test('hearing the same ring again (the control plane\'s first membership) keeps the window', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'));
  assert.is(c.setMembers(ring('e4', 'e3', 'e2', 'e1'), keys), 0);
  for (const [k, old] of movedTo('e4', ['e1', 'e2', 'e3'], ['e1', 'e2', 'e3', 'e4'])) assert.is(c.handoffPeer(k)?.id, old, k);
});

// An edge hears its configured ring again in the control plane's first membership: building a ring costs
// milliseconds at the maximum size, and the same members (ids, URLs, weights) need none.
test('hearing the very same members again keeps the ring it has (no rebuild); a new URL does rebuild it', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'));
  const installed = c.members();
  assert.is(c.setMembers(ring('e4', 'e3', 'e2', 'e1'), keys), 0);
  assert.ok(c.members() === installed, 'the same ring object');
  const moved = [...ring('e1', 'e2', 'e3'), { ...member('e4'), url: 'http://e4.moved.test' }];
  assert.is(c.setMembers(moved, keys), 0);
  assert.ok(c.members() !== installed, 'a ring with the new URL');
  assert.is(c.members().find((m) => m.id === 'e4')?.url, 'http://e4.moved.test');
});

test('a second change inside the window keeps the older previous owners too, newest ring first', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'));
  c.setMembers(ring('e1', 'e2', 'e3', 'e4', 'e5'), keys);
  // Keys e4 still owns after e5 joined were e1-e3's before e4 joined: still asked there.
  for (const [k, old] of movedTo('e4', ['e1', 'e2', 'e3'], ['e1', 'e2', 'e3', 'e4', 'e5'])) assert.equal(c.handoffPeers(k).map((m) => m.id), [old], k);
});

// cdn-sim swarm seed 33: e4 joined while e3 was leaving, with e3 still in its bootstrap ring. e3
// pushed its keys to their owners in the ring without it, e1 and e2 (which had not heard of e4
// yet), and exited; e4 asked only e3 for them, found it gone, and went to the origin.
test('an edge that joins while another leaves also asks the owner the ring names without both', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'));
  c.setMembers(ring('e1', 'e2', 'e4'), keys);
  const moved = movedTo('e4', ['e1', 'e2'], ['e1', 'e2', 'e4']);
  assert.ok(moved.length > 300);
  for (const [k, holder] of moved) {
    const asked = c.handoffPeers(k).slice(0, MAX_HANDOFF_ASKS).map((m) => m.id);
    assert.ok(asked.includes(holder), `${k}: ${asked.join(',')} misses ${holder}`);
  }
  for (const [k, old] of movedTo('e4', ['e1', 'e2', 'e3'], ['e1', 'e2', 'e4'])) {
    const asked = c.handoffPeers(k).map((m) => m.id);
    // The leaver, which may still be draining before its pushes, is asked too for its own keys;
    // the others' keys cost no extra ask.
    if (old === 'e3') assert.ok(asked.slice(0, MAX_HANDOFF_ASKS).includes('e3'), k);
    else assert.equal(asked, [old], k);
  }
});

test('an edge that leaves is the previous owner of its keys for its successors', () => {
  const clock = new FakeClock();
  const e1 = cluster('e1', ring('e1', 'e2', 'e3'), clock);
  e1.setMembers(ring('e1', 'e3'), keys);
  const taken = movedTo('e1', ['e1', 'e2', 'e3'], ['e1', 'e3']);
  assert.ok(taken.length > 100);
  for (const [k, old] of taken) assert.is(e1.handoffPeer(k)?.id, old);
  assert.equal([...new Set(taken.map(([, o]) => o))], ['e2']);
  clock.advance(1000);
  assert.is(e1.handoffPeer(taken[0]![0]), undefined, 'the window closes after handoffMs');
});

test('an edge that started alone takes its first real ring\'s other members as previous owners', () => {
  const c = cluster('e4', ring('e4'));
  c.setMembers(ring('e1', 'e2', 'e3', 'e4'), keys);
  for (const [k, old] of movedTo('e4', ['e1', 'e2', 'e3'], ['e1', 'e2', 'e3', 'e4'])) assert.is(c.handoffPeer(k)?.id, old, k);
});

test('a handoff window of 0 disables handoff', () => {
  const c = cluster('e4', ring('e1', 'e2', 'e3', 'e4'), new FakeClock(), 0);
  c.setMembers(ring('e1', 'e2', 'e4'), keys);
  assert.ok(keys.every((k) => c.handoffPeer(k) === undefined));
});

test.run();
