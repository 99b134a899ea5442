/**
 * Peer authentication: an edge proves it is a ring member by signing each peer request with the
 * region's secret, and the receiver checks the signature before it honours any internal field.
 *
 * Signature: HMAC-SHA256 (RFC 2104) with the secret as key over
 *   "edgeworks-peer-v1\n" METHOD "\n" target "\n" host "\n" then "name:value\n" for every field of
 *   PEER_REQUEST_FIELDS in order (an absent field as an empty value),
 * sent as `x-edgeworks-signature: v1=<base64url>`. The time field (sender's wall clock, ms) is one
 * of the signed fields; the receiver accepts it only within `windowMs` of its own wall clock, so a
 * captured request cannot be replayed later. The body is covered through one of those fields
 * (x-edgeworks-content-sha256, bodyDigest): the receiver of a push checks it against the bytes it
 * read (bodyDigestMatches), so a request replayed inside the window cannot carry another body.
 * `host` is signed only where it names the cached
 * object (keyHost 'request'); otherwise the transport sets it and it carries no meaning.
 *
 * Pure: the caller passes the time in (from the Clock port). Comparison is constant-time
 * (crypto.timingSafeEqual) and every accepted secret is always tried, so timing tells an attacker
 * neither how much of a signature matched nor which secret did.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { requestHeader, type HeaderList, type RequestHeaders } from '../../common/http.js';
import { PEER_HEADER, PEER_REQUEST_FIELDS, PEER_SIGNATURE_HEADER, PEER_TIME_HEADER } from './peer-fields.js';

/**
 * `off`: nothing is signed; internal fields are honoured from anyone (the old, unauthenticated
 * protocol: only behind a load balancer that strips them). `accept`: requests are signed; unsigned
 * peer requests are still honoured (counted), badly signed ones are not: for a rolling upgrade from
 * edges that do not sign yet. `require`: only correctly signed peer requests are honoured.
 */
export type PeerAuthMode = 'off' | 'accept' | 'require';

export interface PeerAuthSettings {
  mode: PeerAuthMode;
  /** Signs outgoing requests; also accepted. Required unless mode is 'off'. */
  secret?: string;
  /** Also accepted, never used to sign: the other secret during a rotation. */
  acceptSecret?: string;
  /** Largest accepted distance between the sender's timestamp and this edge's wall clock. */
  windowMs: number;
}

/**
 * Default window: 5 minutes. Wider than the largest wall-clock distance the simulator puts between
 * two edges (sim/swarm.ts: up to four clock jumps of at most ±30 s, 120 s at most between two
 * edges; sim/scenarios/clock-skew-half.json: 90 s), and than real NTP-disciplined clocks drift.
 */
export const DEFAULT_PEER_AUTH_WINDOW_MS = 300_000;

/** Shortest secret accepted: 32 characters (e.g. 16 random bytes in hex), as for a 256-bit HMAC key. */
export const MIN_PEER_SECRET_CHARS = 32;

const SIGNATURE_PREFIX = 'v1=';
const SIGNATURE_BYTES = 32;

export type PeerVerdict =
  /** Correctly signed, within the window. */
  | { kind: 'authenticated' }
  /** No signature and no timestamp: honoured only in 'accept' (and 'off') mode. */
  | { kind: 'unsigned' }
  | { kind: 'rejected'; reason: PeerAuthFailure };

/** `body-digest`: a push whose body is not the one the signed digest field names, or has none. */
export type PeerAuthFailure = 'missing' | 'malformed' | 'expired' | 'bad-signature' | 'body-digest';
export const PEER_AUTH_FAILURES: readonly PeerAuthFailure[] = ['missing', 'malformed', 'expired', 'bad-signature', 'body-digest'];

/** The string the HMAC covers. `field` reads one internal field's value (undefined when absent). */
export function canonicalPeerRequest(method: string, target: string, host: string | undefined, field: (name: string) => string | undefined): string {
  let out = `edgeworks-peer-v1\n${method}\n${target}\n${host ?? ''}\n`;
  for (const name of PEER_REQUEST_FIELDS) out += `${name}:${field(name) ?? ''}\n`;
  return out;
}

function mac(secret: string, canonical: string): Buffer {
  return createHmac('sha256', secret).update(canonical).digest();
}

/**
 * The time and signature fields to append to a peer request whose other fields are `headers`.
 * `host`: the Host the request carries where it is signed (see the module comment), else undefined.
 */
export function signPeerRequest(secret: string, method: string, target: string, host: string | undefined, headers: HeaderList, nowWallMs: number): HeaderList {
  const time = String(Math.floor(nowWallMs));
  const field = (name: string): string | undefined => {
    if (name === PEER_TIME_HEADER) return time;
    let value: string | undefined;
    for (const [n, v] of headers) if (n === name) value = value === undefined ? v : `${value}, ${v}`;
    return value;
  };
  const signature = mac(secret, canonicalPeerRequest(method, target, host, field)).toString('base64url');
  return [
    [PEER_TIME_HEADER, time],
    [PEER_SIGNATURE_HEADER, `${SIGNATURE_PREFIX}${signature}`],
  ];
}

/** Checks a request that carries internal fields. `secrets`: every accepted secret (one or two). */
export function verifyPeerRequest(
  secrets: readonly string[],
  windowMs: number,
  method: string,
  target: string,
  host: string | undefined,
  headers: RequestHeaders,
  nowWallMs: number,
): PeerVerdict {
  const signature = requestHeader(headers, PEER_SIGNATURE_HEADER);
  const time = requestHeader(headers, PEER_TIME_HEADER);
  if (signature === undefined && time === undefined) return headers[PEER_HEADER] === undefined ? reject('missing') : { kind: 'unsigned' };
  if (signature === undefined || time === undefined) return reject('missing');
  if (!/^\d{1,16}$/.test(time) || !signature.startsWith(SIGNATURE_PREFIX)) return reject('malformed');
  const given = Buffer.from(signature.slice(SIGNATURE_PREFIX.length), 'base64url');
  if (given.length !== SIGNATURE_BYTES) return reject('malformed');
  if (Math.abs(nowWallMs - Number(time)) > windowMs) return reject('expired');
  const canonical = canonicalPeerRequest(method, target, host, (name) => requestHeader(headers, name));
  let matched = false;
  // Every secret is tried, whether or not an earlier one matched.
  for (const secret of secrets) matched = timingSafeEqual(mac(secret, canonical), given) || matched;
  return matched ? { kind: 'authenticated' } : reject('bad-signature');
}

/** The CONTENT_DIGEST_HEADER value for `body`: base64url SHA-256 of its exact bytes. */
export function bodyDigest(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

/**
 * True when `given` (the signed CONTENT_DIGEST_HEADER, undefined when absent) names `body`.
 * Constant-time in the digest's bytes; an absent or malformed field never matches.
 */
export function bodyDigestMatches(given: string | undefined, body: Buffer): boolean {
  if (given === undefined || !/^[A-Za-z0-9_-]{43}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'base64url'), createHash('sha256').update(body).digest());
}

function reject(reason: PeerAuthFailure): PeerVerdict {
  return { kind: 'rejected', reason };
}
