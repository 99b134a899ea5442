/**
 * Graceful leave: a draining edge pushes its most recently used keys to their owners in the ring
 * without it, so its successors do not fill them from the origin.
 *
 * The push is one peer request per object, `PUT <target>` with the peer fields of peer-fields.ts
 * (x-edgeworks-peer, x-edgeworks-push = the pusher's id, x-edgeworks-purge-seq, and
 * x-edgeworks-content-sha256 = the body's digest), signed like every peer request (Upstream.push;
 * the receiver honours it only from an authenticated peer and only with a body that matches the
 * signed digest) and a JSON body
 * `{status, headers, body, surrogateKeys?}` (body in base64) holding the response as the pusher
 * would serve it now (Age included), and the copy's surrogate keys, which its fields may not show
 * (a no-cache="surrogate-key" drops the field; the receiver stores the copy with them, so a later
 * surrogate-key purge finds it). It obeys the rules of peer fills:
 * - purge sequence: the receiver refuses a push from an edge that has applied fewer purges than
 *   it has (409 purge-lag), and does not store one that a purge it applied meanwhile may have
 *   been meant for (the purge/fill race). The pusher tries a purge-lag refusal again after the
 *   421 pauses, read from its store again: by then it has usually applied the purges it lacked,
 *   which either removed the copy or make the receiver take it (a purge of other URLs on its way
 *   to the leaver cost 10 of 33 pushes, and an origin fetch each: cdn-sim swarm seed 84). The
 *   receiver does not judge which purges could touch the copy: after a restore of the control
 *   plane's log, sequences from before and after it are not comparable;
 * - lease: the pusher pushes only while its own lease is valid and only copies fresh without
 *   revalidation (what it could serve itself), as a handoff answer does;
 * - ownership: the receiver stores only keys it owns, from an edge that has just left its ring
 *   (a member of a remembered ring, absent from the current one), and never over a copy it has.
 *   A receiver that has not installed the ring without the pusher yet answers 421 (Misdirected
 *   Request, RFC 9110 §15.5.20); the pusher tries those again a little later (PUSH_RETRY_DELAYS_MS),
 *   reading each key from its store again: a retry carries the pusher's purge sequence of the
 *   moment it is sent, so it must carry the copy of that moment too.
 * Responses that vary (Vary) are not pushed: the receiver could not tell which request selects them.
 * The receiver trusts the envelope no further than decodePush checks it (names, values, status).
 */
import { Type } from '@sinclair/typebox';
import { checkBody } from '../../common/control-protocol.js';
import { headerValue, type HeaderList } from '../../common/http.js';
import type { OutboundResponse } from '../../common/ports.js';
import { hopByHopNames } from '../policy/hop-by-hop.js';
import { INTERNAL_FIELD_PREFIX, PUSH_HEADER } from '../routing/peer-fields.js';
import type { RingMember } from '../routing/ring.js';
import type { EdgeResponse } from './types.js';

/** One surrogate key: field-content without SP and HTAB, which separate keys (RFC 9110 §5.5, surrogate-keys.ts). */
const SURROGATE_KEY_PATTERN = '^[\\x21-\\x7e\\x80-\\xff]+$';

export const PushEnvelopeSchema = Type.Object(
  {
    status: Type.Integer({ minimum: 200, maximum: 599 }),
    headers: Type.Array(Type.Tuple([Type.String({ maxLength: 256 }), Type.String({ maxLength: 16_384 })]), { maxItems: 256 }),
    body: Type.String({ description: 'the body in base64' }),
    surrogateKeys: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 1_024, pattern: SURROGATE_KEY_PATTERN }), {
        minItems: 1,
        maxItems: 1_024,
        description: "the copy's surrogate keys, which its header fields may not show (surrogate-keys.ts)",
      }),
    ),
  },
  { additionalProperties: false },
);

export interface PushLimits {
  /** Keys pushed at most, most recently used first (config cluster.leavePushMaxKeys). */
  maxKeys: number;
  /** Body bytes pushed at most (config cluster.leavePushMaxBytes). */
  maxBytes: number;
  /** Pushes in flight at once. */
  concurrency: number;
}

export const DEFAULT_PUSH_CONCURRENCY = 8;
/**
 * Pauses before pushing 421- and purge-lag-refused objects again: the control plane writes the
 * new ring and each purge to every stream at once, but streams deliver them at slightly
 * different moments.
 */
export const PUSH_RETRY_DELAYS_MS = [50, 200, 800] as const;
/** The receiver's answer while it does not (yet) own the key without the pusher. */
export const PUSH_NOT_OWNER_STATUS = 421;

export interface HandoverReport {
  /** Keys considered (most recently used first, up to maxKeys). */
  candidates: number;
  pushed: number;
  bytes: number;
  /** Receivers that refused (not owner, already had it, purge lag, not storable) or failed. */
  refused: number;
  /** Skipped: not fresh, varying, no owner but this edge, or over the byte budget. */
  skipped: number;
  /** Stopped early: the lease ran out or the deadline passed. */
  stoppedEarly: boolean;
}

/** One object to push, as the pusher would serve it now. */
export interface PushItem {
  target: string;
  owner: RingMember;
  served: EdgeResponse;
}

/**
 * The envelope of one served answer: its status, header fields (minus Cache-Status), body and
 * the copy's surrogate keys (a no-cache="surrogate-key" keeps them out of the fields).
 */
export function encodePush(served: EdgeResponse): Buffer {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < served.headers.length; i += 2) {
    const name = served.headers[i]!;
    if (name !== 'cache-status') headers.push([name, served.headers[i + 1]!]);
  }
  const body = Buffer.isBuffer(served.body) ? served.body : Buffer.alloc(0);
  const keys = served.surrogateKeys ?? [];
  return Buffer.from(JSON.stringify({ status: served.status, headers, body: body.toString('base64'), ...(keys.length === 0 ? {} : { surrogateKeys: keys }) }));
}

export type DecodedPush =
  | { ok: true; status: number; headers: HeaderList; body: Buffer; surrogateKeys: readonly string[] | undefined }
  | { ok: false; message: string };

/**
 * Statuses a push may carry: 2xx a cache stores whole (RFC 9111 §3; 206 never, we store complete
 * responses only). A leaver's stored 3xx or 4xx is not handed over: its successor fetches it again.
 */
const PUSHABLE_STATUS: ReadonlySet<number> = new Set([200, 203, 204]);
/** Header bytes (names and values) a push may carry in all: as much as a response head we accept from an origin. */
export const MAX_PUSH_HEADER_BYTES = 64 * 1024;
/** A field name (RFC 9110 §5.1: token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: field-content bytes only (RFC 9110 §5.5: HTAB, SP, VCHAR, obs-text); nothing above U+00FF, which latin1 would truncate. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks a peer's envelope before anything of it is stored: names must be tokens (lower-cased
 * here, so every later comparison is exact) and values field-content, else the whole push is
 * refused; framing (Content-Length, regenerated from the body; Transfer-Encoding), hop-by-hop
 * fields (RFC 9110 §7.6.1), Cache-Status (the receiver writes its own) and every internal field
 * are dropped; a varying answer (Vary, whatever its case) is refused, as the pusher never sends one.
 */
export function decodePush(raw: Buffer): DecodedPush {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, message: 'body: not valid JSON' };
  }
  const checked = checkBody(PushEnvelopeSchema, json);
  if (!checked.ok) return { ok: false, message: checked.message };
  const { status, headers: given, body: base64, surrogateKeys } = checked.value;
  if (!PUSHABLE_STATUS.has(status)) return { ok: false, message: `status: ${status} is not pushed` };
  let headerBytes = 0;
  const lowered: HeaderList = [];
  for (const [name, value] of given) {
    if (!TOKEN.test(name)) return { ok: false, message: 'headers: a name is not a token' };
    if (!FIELD_VALUE.test(value)) return { ok: false, message: `headers: the value of ${name.toLowerCase()} has a forbidden character` };
    headerBytes += name.length + value.length;
    if (headerBytes > MAX_PUSH_HEADER_BYTES) return { ok: false, message: 'headers: too large' };
    lowered.push([name.toLowerCase(), value]);
  }
  if (lowered.some(([name]) => name === 'vary')) return { ok: false, message: 'headers: a varying answer is not pushed' };
  const connection = lowered.filter(([name]) => name === 'connection').map(([, value]) => value);
  const hopByHop = hopByHopNames(connection.length === 0 ? undefined : connection.join(', '));
  const headers = lowered.filter(([name]) => !(hopByHop.has(name) || name === 'content-length' || name === 'cache-status' || name.startsWith(INTERNAL_FIELD_PREFIX)));
  if (!BASE64.test(base64)) return { ok: false, message: 'body: not base64' };
  const body = Buffer.from(base64, 'base64');
  if (status === 204 && body.length > 0) return { ok: false, message: 'body: a 204 has none' };
  const keyBytes = (surrogateKeys ?? []).reduce((sum, k) => sum + k.length, 0);
  if (headerBytes + keyBytes > MAX_PUSH_HEADER_BYTES) return { ok: false, message: 'surrogateKeys: too large' };
  return { ok: true, status, headers, body, surrogateKeys };
}

/** The receiver's 409 for a pusher behind it on purges (edge.ts acceptPush), told by its Cache-Status detail. */
export function refusedForPurgeLag(res: Pick<OutboundResponse, 'status' | 'headers'>): boolean {
  return res.status === 409 && /;\s*detail=purge-lag(?:\s*[;,]|\s*$)/.test(headerValue(res.headers, 'cache-status') ?? '');
}

/** The most a push body may be for objects up to `maxObjectBytes`: base64 plus header fields. */
export function maxPushBodyBytes(maxObjectBytes: number): number {
  return Math.ceil(maxObjectBytes / 3) * 4 + 512 * 1024;
}

/**
 * Sends `items` (lazily produced, in priority order) with bounded concurrency until they run out,
 * the byte budget is spent or `keepGoing` says stop (lease gone, deadline passed). Pushes refused
 * with 421 or 409 purge-lag are sent again after each of PUSH_RETRY_DELAYS_MS; a push lost in transit once more,
 * with the first of those rounds it meets.
 */
export async function pushAll(
  items: Iterable<PushItem | 'skip'>,
  o: {
    selfId: string;
    /** Sends one push as a signed peer request (Upstream.push adds the marker, purge sequence and signature). */
    send: (owner: RingMember, target: string, headers: HeaderList, body: Buffer) => Promise<OutboundResponse>;
    limits: PushLimits;
    keepGoing: () => boolean;
    /** Waits this long (the Timers port), before retrying 421s. */
    sleep: (ms: number) => Promise<void>;
    /** The item for the same key as the pusher would serve it now, or 'skip' (purged, no longer fresh). */
    reread: (item: PushItem) => PushItem | 'skip';
  },
): Promise<HandoverReport> {
  const report: HandoverReport = { candidates: 0, pushed: 0, bytes: 0, refused: 0, skipped: 0, stoppedEarly: false };
  let notYet: PushItem[] = [];
  /** Targets whose push already failed once in transit. */
  const lostOnce = new Set<string>();
  const send = async (item: PushItem): Promise<void> => {
    const headers: HeaderList = [
      [PUSH_HEADER, o.selfId],
      ['content-type', 'application/json'],
    ];
    try {
      const res = await o.send(item.owner, item.target, headers, encodePush(item.served));
      res.discard();
      if (res.status === 201) report.pushed++;
      else if (res.status === PUSH_NOT_OWNER_STATUS || refusedForPurgeLag(res)) notYet.push(item);
      else report.refused++;
    } catch {
      // Lost in transit (a dropped connect, a reset): one more try with the 421s, as a handoff
      // request gets one, beats the new owner's origin fetch (cdn-sim swarm seed 319: a push
      // lost to 1.1% packet loss sent its key to the origin). Only one: a receiver that is
      // really gone would cost a connect timeout per key and round.
      if (lostOnce.has(item.target)) report.refused++;
      else {
        lostOnce.add(item.target);
        notYet.push(item);
      }
    }
  };
  // Not the answer read before the 421: a purge applied since then would ride past the receiver's
  // purge checks on the purge sequence sent now (cdn-sim swarm seed 1).
  const sendAgain = async (item: PushItem): Promise<void> => {
    const now = o.reread(item);
    if (now === 'skip') report.skipped++;
    else await send(now);
  };
  const iterator = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (!o.keepGoing()) {
        report.stoppedEarly = true;
        return;
      }
      const next = iterator.next();
      if (next.done === true) return;
      report.candidates++;
      const item = next.value;
      if (item === 'skip') {
        report.skipped++;
        continue;
      }
      const size = Buffer.isBuffer(item.served.body) ? item.served.body.length : 0;
      if (report.bytes + size > o.limits.maxBytes) {
        report.skipped++;
        continue;
      }
      report.bytes += size;
      await send(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.limits.concurrency) }, worker));
  for (const delayMs of PUSH_RETRY_DELAYS_MS) {
    if (notYet.length === 0 || !o.keepGoing()) break;
    await o.sleep(delayMs);
    const again = notYet;
    notYet = [];
    for (let i = 0; i < again.length && o.keepGoing(); i += o.limits.concurrency) await Promise.all(again.slice(i, i + o.limits.concurrency).map(sendAgain));
  }
  report.refused += notYet.length;
  return report;
}
