/** Peer-request signatures (edge/routing/peer-auth.ts): HMAC-SHA256 (RFC 2104) over the request, a time window, two secrets. */
import { createHash, createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bodyDigest, bodyDigestMatches, canonicalPeerRequest, signPeerRequest, verifyPeerRequest, type PeerVerdict } from '../../../edge/routing/peer-auth.js';
import { PEER_REQUEST_FIELDS } from '../../../edge/routing/peer-fields.js';

const OLD = 'old-secret-0123456789abcdef0123456789';
const NEW = 'new-secret-0123456789abcdef0123456789';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const WINDOW = 300_000;

function signed(secret: string, method = 'GET', target = '/a', extra: Record<string, string> = {}, atMs = NOW): Record<string, string> {
  const fields: Array<[string, string]> = [['x-edgeworks-peer', 'e1'], ...Object.entries(extra)];
  return Object.fromEntries([...fields, ...signPeerRequest(secret, method, target, undefined, fields, atMs)]);
}

function verify(headers: Record<string, string>, opts: { secrets?: string[]; method?: string; target?: string; nowMs?: number } = {}): PeerVerdict {
  return verifyPeerRequest(opts.secrets ?? [OLD], WINDOW, opts.method ?? 'GET', opts.target ?? '/a', undefined, headers, opts.nowMs ?? NOW);
}

const rows: Array<[string, () => PeerVerdict, PeerVerdict['kind'] | string]> = [
  ['a signed request within the window', () => verify(signed(OLD)), 'authenticated'],
  ['signed with the accepted second secret (rotation)', () => verify(signed(NEW), { secrets: [OLD, NEW] }), 'authenticated'],
  ['signed with a secret this edge does not hold', () => verify(signed(NEW)), 'bad-signature'],
  ['no secret held at all (an edge without a ring)', () => verify(signed(OLD), { secrets: [] }), 'bad-signature'],
  ['the method changed in transit (GET signed, PURGE sent)', () => verify(signed(OLD, 'GET'), { method: 'PURGE' }), 'bad-signature'],
  ['the target changed in transit', () => verify(signed(OLD, 'GET', '/a'), { target: '/b' }), 'bad-signature'],
  ['a handoff field added to a signed request', () => verify({ ...signed(OLD), 'x-edgeworks-handoff': '1' }), 'bad-signature'],
  ['the purge sequence changed', () => verify({ ...signed(OLD, 'GET', '/a', { 'x-edgeworks-purge-seq': '5' }), 'x-edgeworks-purge-seq': '9' }), 'bad-signature'],
  ['the sender id changed', () => verify({ ...signed(OLD), 'x-edgeworks-peer': 'e2' }), 'bad-signature'],
  ['replayed just inside the window', () => verify(signed(OLD), { nowMs: NOW + WINDOW }), 'authenticated'],
  ['replayed after the window', () => verify(signed(OLD), { nowMs: NOW + WINDOW + 1 }), 'expired'],
  ['a timestamp from the future beyond the window', () => verify(signed(OLD, 'GET', '/a', {}, NOW + WINDOW + 1)), 'expired'],
  ['a signature that is not base64url of 32 bytes', () => verify({ ...signed(OLD), 'x-edgeworks-signature': 'v1=abc' }), 'malformed'],
  ['a signature without the v1= prefix', () => verify({ ...signed(OLD), 'x-edgeworks-signature': 'AAAA' }), 'malformed'],
  ['a timestamp that is not digits', () => verify({ ...signed(OLD), 'x-edgeworks-time': '1e12' }), 'malformed'],
  ['a signature without a timestamp', () => verify({ 'x-edgeworks-peer': 'e1', 'x-edgeworks-signature': signed(OLD)['x-edgeworks-signature']! }), 'missing'],
  ['the marker alone: unsigned', () => verify({ 'x-edgeworks-peer': 'e1' }), 'unsigned'],
  ['a handoff field alone, no marker', () => verify({ 'x-edgeworks-handoff': '1' }), 'missing'],
];

for (const [name, run, expected] of rows) {
  test(name, () => {
    const verdict = run();
    assert.is(verdict.kind === 'rejected' ? verdict.reason : verdict.kind, expected);
  });
}

test('the signature is HMAC-SHA256 over the documented canonical form, so another implementation can interoperate', () => {
  const headers = signed(OLD, 'PURGE', '/x?y=1', { 'x-edgeworks-purge-seq': '7' });
  const canonical = `edgeworks-peer-v1\nPURGE\n/x?y=1\n\nx-edgeworks-peer:e1\nx-edgeworks-handoff:\nx-edgeworks-purge-seq:7\nx-edgeworks-push:\nx-edgeworks-content-sha256:\nx-edgeworks-time:${NOW}\n`;
  assert.is(canonicalPeerRequest('PURGE', '/x?y=1', undefined, (n) => headers[n]), canonical);
  assert.is(headers['x-edgeworks-signature'], `v1=${createHmac('sha256', OLD).update(canonical).digest('base64url')}`);
  assert.equal(PEER_REQUEST_FIELDS, ['x-edgeworks-peer', 'x-edgeworks-handoff', 'x-edgeworks-purge-seq', 'x-edgeworks-push', 'x-edgeworks-content-sha256', 'x-edgeworks-time']);
});

test('with keyHost request the Host is signed: a captured request cannot be moved to another virtual host', () => {
  const fields: Array<[string, string]> = [['x-edgeworks-peer', 'e1']];
  const headers = Object.fromEntries([...fields, ...signPeerRequest(OLD, 'PURGE', '/a', 'a.example', fields, NOW)]);
  assert.is(verifyPeerRequest([OLD], WINDOW, 'PURGE', '/a', 'a.example', headers, NOW).kind, 'authenticated');
  assert.is(verifyPeerRequest([OLD], WINDOW, 'PURGE', '/a', 'b.example', headers, NOW).kind, 'rejected');
});

test('the body digest is base64url SHA-256 of the exact bytes; absent, malformed or another body never matches', () => {
  const body = Buffer.from('{"status":200}');
  const digest = bodyDigest(body);
  assert.is(digest, createHash('sha256').update(body).digest('base64url'));
  assert.ok(bodyDigestMatches(digest, body));
  assert.not.ok(bodyDigestMatches(digest, Buffer.from('{"status":201}')));
  assert.not.ok(bodyDigestMatches(undefined, body));
  assert.not.ok(bodyDigestMatches('', body));
  assert.not.ok(bodyDigestMatches(`${digest}=`, body));
  assert.not.ok(bodyDigestMatches(digest.slice(0, 42), body));
});

test.run();
