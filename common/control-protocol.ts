/**
 * The wire protocol between the control plane and its edges: typebox schemas for every body and
 * stream event, the Server-Sent Events framing both sides use, and the checks a purge value must
 * pass. Pure: no I/O, no clock. `control-plane/PROTOCOL.md` walks through it end to end.
 *
 * Every endpoint needs `Authorization: Bearer <token>`. Times are milliseconds on the control
 * plane's wall clock; sequence numbers start at 1 and have no gaps.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { ringWeightSchema } from './ring-bounds.js';

// ---------------------------------------------------------------------------------------------
// Purges

export const PURGE_KINDS = ['url', 'key', 'prefix', 'all'] as const;
export type PurgeKind = (typeof PURGE_KINDS)[number];

const PurgeKindSchema = Type.Union(
  PURGE_KINDS.map((kind) => Type.Literal(kind)),
  { description: 'one of url, key, prefix, all' },
);

/** Longest single purge value; a URL longer than this is not a cache key anyone stores. */
export const MAX_PURGE_VALUE_CHARS = 4096;

/**
 * `POST /purges` body. `values` is required and non-empty except for `all` (where it must be
 * absent or empty). `soft: true` marks matches stale instead of removing them, so stale-if-error
 * and conditional revalidation still work.
 * - url: an absolute `http(s)://host/path?query` URL or a `host/path?query` cache key
 * - prefix: `host/path-prefix` (every cached URL on that host whose target starts with it)
 * - key: a surrogate key as the origin sent it in `Surrogate-Key` (no whitespace)
 */
export const PurgeRequestSchema = Type.Object(
  {
    kind: PurgeKindSchema,
    values: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: MAX_PURGE_VALUE_CHARS }))),
    soft: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** A validated purge request with defaults filled in. */
export interface PurgeRequest {
  kind: PurgeKind;
  values: string[];
  soft: boolean;
}

/** One accepted purge as stored in the log and sent in `purge` events. */
export const PurgeRecordSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  id: Type.String({ minLength: 1 }),
  kind: PurgeKindSchema,
  values: Type.Array(Type.String()),
  soft: Type.Boolean(),
  acceptedAtMs: Type.Number(),
});
export type PurgeRecord = Static<typeof PurgeRecordSchema>;

/** `POST /purges` answer (202): the purge is on disk when this arrives. */
export interface PurgeAccepted {
  id: string;
  seq: number;
}

export type ReceiptState = 'pending' | 'complete' | 'complete-with-expired-leases';

/** One edge's line in a receipt. `done` = applied, or its lease lapsed after the purge was accepted. */
export interface ReceiptEdge {
  edge: string;
  region: string;
  applied: boolean;
  /** When the control plane learned it was applied (absent when unknown or not applied). */
  appliedAtMs?: number;
  /** True when the edge has not applied it but was without a lease at some time since acceptance. */
  leaseExpired: boolean;
}

/** `GET /purges/:id` answer. */
export interface Receipt {
  id: string;
  seq: number;
  kind: PurgeKind;
  values: string[];
  soft: boolean;
  acceptedAtMs: number;
  state: ReceiptState;
  edges: ReceiptEdge[];
}

// ---------------------------------------------------------------------------------------------
// Edge reports

const EdgeIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', description: 'a name of letters, digits, dot, dash or underscore' });

/** `POST /acks`: the edge has applied every purge with seq <= appliedSeq (acks are cumulative). */
export const EdgeAckSchema = Type.Object(
  {
    edge: EdgeIdSchema,
    appliedSeq: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type EdgeAck = Static<typeof EdgeAckSchema>;

/**
 * `POST /heartbeats`: liveness, load and (cumulatively) the applied sequence. Heartbeats carry the
 * ack too, so an edge that only heartbeats still completes receipts; `POST /acks` is the fast path.
 */
export const HeartbeatSchema = Type.Object(
  {
    edge: EdgeIdSchema,
    region: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'a name of letters, digits, dot, dash or underscore' }),
    url: Type.String({ maxLength: 2048, pattern: '^https?://[^/?#\\s\\x00-\\x1f\\x7f]+$', description: 'the edge\'s base URL without a path or control characters, e.g. http://127.0.0.1:8080' }),
    appliedSeq: Type.Integer({ minimum: 0 }),
    /** Ring weight; 1 when absent. Bounded as at every ring entry (common/ring-bounds.ts). */
    weight: Type.Optional(ringWeightSchema()),
    /** True while the edge drains before it exits (graceful leave): it leaves the membership at once. */
    leaving: Type.Optional(Type.Boolean()),
    load: Type.Object(
      {
        requestsPerSec: Type.Number({ minimum: 0 }),
        /** Fraction of requests over the last interval that failed (5xx, origin errors), 0..1. */
        errorRate: Type.Number({ minimum: 0, maximum: 1 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatSchema>;

/** Answer to `POST /acks` and `POST /heartbeats`. */
export interface ReportAnswer {
  edge: string;
  /** The highest applied seq the control plane holds for this edge (acks are max-merged). */
  appliedSeq: number;
  lastSeq: number;
}

// ---------------------------------------------------------------------------------------------
// Membership and health

export type Health = 'healthy' | 'degraded' | 'down';

export interface Member {
  id: string;
  url: string;
  region: string;
  weight: number;
  health: Health;
}

/** `GET /edges` lists these: a Member plus the facts its health was derived from. */
export interface EdgeView extends Member {
  appliedSeq: number;
  lagSeqs: number;
  lastHeartbeatAtMs?: number;
  requestsPerSec: number;
  errorRate: number;
  streamConnected: boolean;
  leaseUntilMs: number;
  leaseValid: boolean;
}

/** `GET /regions` lists these. */
export interface RegionView {
  region: string;
  health: Health;
  members: number;
  healthy: number;
  degraded: number;
  down: number;
}

// ---------------------------------------------------------------------------------------------
// Stream events (`GET /stream?edge=<id>&after=<seq>&log=<logId>`)

/** First event on every stream: who the edge is talking to and how often it should report. */
export interface HelloEvent {
  /** Identity of this purge log; a different value than the edge saw before means a new history. */
  logId: string;
  lastSeq: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
}

/**
 * Lease grant. The edge may serve cached content without revalidation until
 * `its local monotonic time at receipt + leaseMs`, and only after it has applied every purge up to
 * `throughSeq` (all of which precede this event on the stream).
 */
export interface LeaseEvent {
  leaseUntilMs: number;
  issuedAtMs: number;
  leaseMs: number;
  throughSeq: number;
}

/** The edge's `after` is older than the retained log (or from another log): purge everything, then continue from `upToSeq`. */
export interface FlushEvent {
  upToSeq: number;
  reason: 'behind-retention' | 'log-changed' | 'ahead-of-log';
}

export interface MembershipEvent {
  members: Member[];
}

export type ControlEvent =
  | { event: 'hello'; data: HelloEvent }
  | { event: 'purge'; data: PurgeRecord }
  | { event: 'lease'; data: LeaseEvent }
  | { event: 'flush'; data: FlushEvent }
  | { event: 'membership'; data: MembershipEvent };

/** Stream events that carry an SSE `id:` (a seq the edge can resume after). */
function eventId(event: ControlEvent): number | undefined {
  switch (event.event) {
    case 'purge':
      return event.data.seq;
    case 'flush':
      return event.data.upToSeq;
    case 'hello':
    case 'lease':
    case 'membership':
      return undefined;
  }
}

/** One SSE frame (WHATWG HTML §9.2): `event:`, optional `id:`, one `data:` line of JSON, blank line. */
export function encodeSse(event: ControlEvent): string {
  const id = eventId(event);
  return `event: ${event.event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(event.data)}\n\n`;
}

export interface SseFrame {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental SSE parser for the edge client and tests: feed decoded text in any chunking, get
 * complete frames back. Comment lines (`:`) and `retry:` are skipped.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  feed(text: string): SseFrame[] {
    this.buffer += text;
    const frames: SseFrame[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl === -1) break;
      let line = this.buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length > 0) {
          frames.push({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n'), ...(this.id === undefined ? {} : { id: this.id }) });
        }
        this.event = '';
        this.data = [];
        this.id = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    this.buffer = this.buffer.slice(start);
    return frames;
  }
}

/** Parses a frame into a typed event; undefined for an event name this version does not know. */
export function decodeControlEvent(frame: SseFrame): ControlEvent | undefined {
  switch (frame.event) {
    case 'hello':
    case 'purge':
    case 'lease':
    case 'flush':
    case 'membership':
      return { event: frame.event, data: JSON.parse(frame.data) } as ControlEvent;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Validates a parsed JSON body; the failure names the field as a dotted path (`load.errorRate`). */
export function checkBody<S extends TSchema>(schema: S, value: unknown): Checked<Static<S>> {
  // Every purge and every control event passes here: a compiled check answers the common
  // (valid) case without walking the schema; the error walk runs only for a bad body.
  if (compiledCheck(schema).Check(value)) return { ok: true, value: value as Static<S> };
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return { ok: true, value: value as Static<S> };
  const field = fieldOf(first);
  return { ok: false, field, message: `${field}: ${describe(first)}` };
}

const compiledChecks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiledCheck(schema: TSchema): TypeCheck<TSchema> {
  let check = compiledChecks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiledChecks.set(schema, check);
  }
  return check;
}

function fieldOf(error: ValueError): string {
  const path = error.path.replace(/^\//, '').replaceAll('/', '.');
  return path === '' ? 'body' : path;
}

function describe(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'is required';
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return 'is not a known field';
  const wanted = (error.schema as { description?: string }).description;
  if (wanted !== undefined) return `must be ${wanted}, got ${JSON.stringify(error.value)}`;
  return error.message.toLowerCase();
}

/** A header-safe token with no whitespace or control characters (RFC 9110 §5.6.2 plus more). */
const KEY_PATTERN = /^[\x21-\x7e]+$/;
/** `host/anything` with no whitespace; host is a DNS name or IP with an optional port. */
const HOST_PATH_PATTERN = /^[A-Za-z0-9.\-_[\]:]+\/[\x21-\x7e]*$/;

/**
 * Full check of a `POST /purges` body: the schema, then per-kind value rules and the
 * values-per-purge bound. Returns the request with defaults filled in.
 */
export function checkPurgeRequest(body: unknown, maxValues: number): Checked<PurgeRequest> {
  const checked = checkBody(PurgeRequestSchema, body);
  if (!checked.ok) return checked;
  const { kind, soft = false } = checked.value;
  const values = checked.value.values ?? [];
  const fail = (field: string, message: string): Checked<PurgeRequest> => ({ ok: false, field, message: `${field}: ${message}` });
  if (kind === 'all') {
    if (values.length > 0) return fail('values', 'must be absent or empty for kind all');
    return { ok: true, value: { kind, values: [], soft } };
  }
  if (values.length === 0) return fail('values', `is required and must not be empty for kind ${kind}`);
  if (values.length > maxValues) return fail('values', `has ${values.length} entries; at most ${maxValues} per purge`);
  for (let i = 0; i < values.length; i++) {
    const problem = purgeValueProblem(kind, values[i]!);
    if (problem !== undefined) return fail(`values.${i}`, `${problem}, got ${JSON.stringify(values[i])}`);
  }
  return { ok: true, value: { kind, values, soft } };
}

function purgeValueProblem(kind: Exclude<PurgeKind, 'all'>, value: string): string | undefined {
  switch (kind) {
    case 'key':
      return KEY_PATTERN.test(value) ? undefined : 'must be a surrogate key without whitespace or control characters';
    case 'prefix':
      return HOST_PATH_PATTERN.test(value) && !value.includes('://') ? undefined : 'must be host/path-prefix, e.g. example.com/images/';
    case 'url':
      if (/[\x00-\x1f\x7f]/.test(value)) return 'must not contain control characters';
      if (/^https?:\/\//i.test(value)) {
        try {
          const url = new URL(value);
          return url.host === '' || /\s/.test(value) ? 'must be an absolute http(s) URL with a host' : undefined;
        } catch {
          return 'must be an absolute http(s) URL or host/path?query';
        }
      }
      return HOST_PATH_PATTERN.test(value) && !value.includes('://') ? undefined : 'must be an absolute http(s) URL or host/path?query';
  }
}

/** The receipt id of a purge: seq plus acceptance time, so ids from a wiped log do not collide. */
export function purgeId(seq: number, acceptedAtMs: number): string {
  return `p${seq}-${Math.max(0, Math.floor(acceptedAtMs)).toString(36)}`;
}

/** The seq inside a purge id, or undefined when it is not one of ours. */
export function seqOfPurgeId(id: string): number | undefined {
  const m = /^p([1-9][0-9]{0,15})-[0-9a-z]+$/.exec(id);
  return m === null ? undefined : Number(m[1]);
}
