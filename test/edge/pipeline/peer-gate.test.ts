/** The pipeline's peer gate: which requests carry internal fields, and what is left of them when refused. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeMetrics } from '../../../edge/pipeline/metrics.js';
import { carriesInternalFields, PeerGate } from '../../../edge/pipeline/peer-gate.js';
import { INTERNAL_REQUEST_FIELDS } from '../../../edge/routing/peer-fields.js';
import { FakeClock } from '../../support/fake-clock.js';

test('the written-out check covers every internal field in the one list (a new field cannot be forgotten)', () => {
  for (const name of INTERNAL_REQUEST_FIELDS) assert.ok(carriesInternalFields({ [name]: 'x' }), name);
  assert.not.ok(carriesInternalFields({ host: 'a', 'x-edgeworks-unknown': '1' }));
});

test('a refused request loses every x-edgeworks-* field, known or not, and keeps the rest', () => {
  const metrics = new EdgeMetrics();
  const gate = new PeerGate({ mode: 'require', secret: 'gate-test-secret-0123456789abcdefgh', windowMs: 1000 }, 'origin', new FakeClock(), metrics);
  const admitted = gate.admit({ method: 'GET', target: '/a', headers: { host: 'h', 'x-edgeworks-peer': 'e1', 'x-edgeworks-other': '1', accept: '*/*' } });
  assert.is(admitted.fromPeer, false);
  assert.is(admitted.refusedPeer, true);
  assert.equal(admitted.req.headers, { host: 'h', accept: '*/*' });
  assert.is(metrics.peerAuthFailures.missing, 1);
});

test('only a request that carried the peer marker is a refused peer: other internal fields alone are a client spoofing them', () => {
  const gate = new PeerGate({ mode: 'require', secret: 'gate-test-secret-0123456789abcdefgh', windowMs: 1000 }, 'origin', new FakeClock(), new EdgeMetrics());
  const admitted = gate.admit({ method: 'GET', target: '/a', headers: { host: 'h', 'x-edgeworks-purge-seq': '9', 'x-edgeworks-handoff': '1' } });
  assert.equal(admitted, { req: { method: 'GET', target: '/a', headers: { host: 'h' } }, fromPeer: false, refusedPeer: false });
});

test('mode off honours the marker unsigned; an edge without a ring never does', () => {
  const metrics = new EdgeMetrics();
  const req = { method: 'PURGE', target: '/a', headers: { 'x-edgeworks-peer': 'e1' } };
  assert.equal(new PeerGate({ mode: 'off', windowMs: 1000 }, 'origin', new FakeClock(), metrics).admit(req), { req, fromPeer: true, refusedPeer: false });
  assert.is(new PeerGate(undefined, 'origin', new FakeClock(), metrics).admit(req).fromPeer, false);
});

test.run();
