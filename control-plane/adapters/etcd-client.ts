/**
 * EtcdKv over etcd's v3 JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`, `/v3/watch`,
 * `/v3/lease/*`), spoken with undici. Chosen over the `etcd3` npm package because that package is
 * thinly maintained and pulls in gRPC; the gateway ships in every etcd 3.4 member, needs nothing
 * but the HTTP client we already depend on, and its JSON is the protobuf mapping (keys and values
 * base64, int64 as decimal strings, fields at their default value left out).
 *
 * Several endpoints: calls go to the current one and move to the next when it cannot be reached.
 * A read is retried on the next member; a write that may have reached a member before the failure
 * is not retried here but rejected with `EtcdError(ambiguous: true)`, because only the caller
 * knows how to find out whether it took effect.
 *
 * Failover: every unary call asks for a member with a leader (`hasleader` metadata), so a member
 * that knows it has none answers at once instead of holding the call; and a write still waiting
 * when etcd has moved to a new raft term is given up as ambiguous at once (etcd/term-guard.ts)
 * instead of after `requestTimeoutMs`. Both keep our client from adding its own timeout to
 * etcd's election in the write pause.
 */
import { Pool } from 'undici';
import { systemTimers } from '../../common/adapters/system-clock.js';
import type { Timers } from '../../common/ports.js';
import { TERM_GUARD_DEFAULTS, TermGuard } from '../etcd/term-guard.js';
import { EtcdError, type Compare, type EtcdKv, type KeyValue, type RangeOptions, type RangeResult, type TxnOp, type TxnResult, type OnWatchEnd, type OnWatchEvents, type WatchEnd, type WatchHandle } from '../etcd/etcd-kv.js';

export interface EtcdClientOptions {
  /** Client URLs of the members, e.g. http://127.0.0.1:2379. */
  endpoints: string[];
  /** A unary call (range, txn, lease) gives up after this long. */
  requestTimeoutMs: number;
  /** A write waiting this long has its member asked for its raft term, and again as often while it waits (default 250). */
  termProbeMs?: number;
  /** Default: the system's. */
  timers?: Timers;
}

/**
 * gRPC metadata through the gateway: `hasleader: true` makes a member without a leader refuse the
 * call at once (etcd's ErrNoLeader) rather than hold it.
 */
const REQUIRE_LEADER = { 'grpc-metadata-hasleader': 'true' } as const;

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
}

interface RawHeader {
  revision?: string;
  raft_term?: string;
}

class Unreachable extends Error {}

/** Given up on by the term guard: the member moved to a new leader while the write waited. */
class Abandoned extends Error {}

export class EtcdClient implements EtcdKv {
  private readonly pools: Pool[];
  private current = 0;
  private closed = false;
  private readonly watches = new Set<AbortController>();
  private readonly terms: TermGuard;

  constructor(private readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd: at least one endpoint is required');
    this.pools = options.endpoints.map((url) => new Pool(url, { connections: 16, connectTimeout: 1_000 }));
    this.terms = new TermGuard(options.timers ?? systemTimers, { probeMs: options.termProbeMs ?? TERM_GUARD_DEFAULTS.probeMs });
  }

  async range(key: string, options: RangeOptions = {}): Promise<RangeResult> {
    const body: Record<string, unknown> = { key: b64(key) };
    if (options.rangeEnd !== undefined) body['range_end'] = b64(options.rangeEnd);
    if (options.limit !== undefined) body['limit'] = String(options.limit);
    if (options.descending === true) Object.assign(body, { sort_order: 'DESCEND', sort_target: 'KEY' });
    const answer = (await this.call('/v3/kv/range', body, true)) as { header?: RawHeader; kvs?: RawKv[]; more?: boolean };
    return { kvs: (answer.kvs ?? []).map(decodeKv), more: answer.more === true, revision: revisionOf(answer.header) };
  }

  async txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult> {
    const body = { compare: compare.map(encodeCompare), success: success.map(encodeOp), failure: failure.map(encodeOp) };
    const answer = (await this.call('/v3/kv/txn', body, false)) as {
      header?: RawHeader;
      succeeded?: boolean;
      responses?: Array<{ response_range?: { kvs?: RawKv[] } }>;
    };
    return {
      succeeded: answer.succeeded === true,
      revision: revisionOf(answer.header),
      ranges: (answer.responses ?? []).map((r) => (r.response_range?.kvs ?? []).map(decodeKv)),
    };
  }

  watch(key: string, rangeEnd: string, startRevision: number, onEvents: OnWatchEvents, onEnd: OnWatchEnd): WatchHandle {
    const abort = new AbortController();
    this.watches.add(abort);
    const pool = this.pools[this.current]!;
    const body = JSON.stringify({ create_request: { key: b64(key), range_end: b64(rangeEnd), start_revision: String(startRevision) } });
    let ended = false;
    const end = (why: WatchEnd): void => {
      this.watches.delete(abort);
      if (ended || abort.signal.aborted) return;
      ended = true;
      onEnd(why);
    };
    void (async () => {
      try {
        // No body timeout: a quiet log sends nothing for a long time. A member that dies resets
        // the connection; one that is alive but cut off from the quorum is caught by the caller,
        // which compares what the watch delivered with a linearizable read.
        const res = await pool.request({ path: '/v3/watch', method: 'POST', body, headersTimeout: this.options.requestTimeoutMs, bodyTimeout: 0, signal: abort.signal });
        if (res.statusCode !== 200) {
          const text = await res.body.text();
          this.rotate(pool);
          end({ kind: 'failed', message: `watch answered ${res.statusCode}: ${text.slice(0, 200)}` });
          return;
        }
        let buffered = '';
        for await (const chunk of res.body) {
          buffered += (chunk as Buffer).toString('utf8');
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line === '') continue;
            const message = JSON.parse(line) as { result?: RawWatchResult; error?: { message?: string } };
            if (message.error !== undefined) {
              end({ kind: 'failed', message: `watch: ${message.error.message ?? 'error'}` });
              abort.abort();
              return;
            }
            const result = message.result ?? {};
            if (result.canceled === true) {
              const compactRevision = Number(result.compact_revision ?? '0');
              end(compactRevision > 0 ? { kind: 'compacted', compactRevision } : { kind: 'failed', message: `watch canceled: ${result.cancel_reason ?? 'no reason given'}` });
              abort.abort();
              return;
            }
            const events = (result.events ?? []).map((e) => ({ type: e.type === 'DELETE' ? ('delete' as const) : ('put' as const), kv: decodeKv(e.kv ?? {}) }));
            if (events.length > 0) onEvents(events, revisionOf(result.header));
          }
        }
        end({ kind: 'failed', message: 'watch stream ended' });
      } catch (err) {
        if (!abort.signal.aborted) this.rotate(pool);
        end({ kind: 'failed', message: `watch: ${(err as Error).message}` });
      }
    })();
    return {
      cancel: () => {
        this.watches.delete(abort);
        abort.abort();
      },
    };
  }

  async leaseGrant(ttlSeconds: number): Promise<string> {
    const answer = (await this.call('/v3/lease/grant', { TTL: String(ttlSeconds) }, false)) as { ID?: string; error?: string };
    if (answer.ID === undefined) throw new EtcdError(`lease grant: no lease id in the answer`, false);
    return answer.ID;
  }

  async leaseKeepAlive(id: string): Promise<number> {
    const answer = (await this.call('/v3/lease/keepalive', { ID: id }, true)) as { result?: { TTL?: string } };
    return Number(answer.result?.TTL ?? '0');
  }

  async leaseRevoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', { ID: id }, true);
  }

  async compact(revision: number): Promise<void> {
    await this.call('/v3/kv/compaction', { revision: String(revision) }, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.terms.close();
    for (const abort of this.watches) abort.abort();
    this.watches.clear();
    await Promise.all(this.pools.map((pool) => pool.destroy()));
  }

  /**
   * One unary call. Every member is tried once when it cannot be reached at all (nothing was
   * sent); other failures are final for writes (`retryable` false) and tried on the next member
   * for reads.
   */
  private async call(path: string, body: unknown, retryable: boolean): Promise<unknown> {
    if (this.closed) throw new EtcdError('etcd client is closed', false);
    const text = JSON.stringify(body);
    let lastError = '';
    for (let attempt = 0; attempt < this.pools.length; attempt++) {
      const pool = this.pools[this.current]!;
      try {
        return await this.send(pool, path, text, !retryable);
      } catch (err) {
        lastError = `${this.options.endpoints[this.pools.indexOf(pool)]}${path}: ${(err as Error).message}`;
        // The member answered the term probe: it is alive, only its leader changed; stay on it.
        if (err instanceof Abandoned) throw new EtcdError(lastError, true);
        this.rotate(pool);
        if (!(err instanceof Unreachable) && !retryable) throw new EtcdError(lastError, true);
      }
    }
    throw new EtcdError(`no etcd member answered: ${lastError}`, !retryable);
  }

  /** `write`: the call changes etcd, so the term guard may give up on it (see etcd/term-guard.ts). */
  private async send(pool: Pool, path: string, text: string, write: boolean): Promise<unknown> {
    const abort = new AbortController();
    let abandoned: string | undefined;
    const tracked = write
      ? this.terms.track(
          (why) => {
            abandoned = why;
            abort.abort();
          },
          () => this.memberTerm(pool),
        )
      : undefined;
    let answer: { header?: RawHeader; error?: string; message?: string };
    try {
      let res;
      try {
        res = await pool.request({ path, method: 'POST', body: text, headers: { 'content-type': 'application/json', ...REQUIRE_LEADER }, headersTimeout: this.options.requestTimeoutMs, bodyTimeout: this.options.requestTimeoutMs, signal: abort.signal });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') throw new Unreachable(code);
        throw err;
      }
      answer = (await res.body.json()) as typeof answer;
      if (res.statusCode !== 200 || answer.error !== undefined) throw new Error(`etcd answered ${res.statusCode}: ${answer.message ?? answer.error ?? 'no message'}`);
    } catch (err) {
      if (abandoned !== undefined) throw new Abandoned(abandoned);
      throw err;
    } finally {
      tracked?.done();
    }
    this.terms.noteTerm(Number(answer.header?.raft_term ?? '0'));
    return answer;
  }

  /** The member's raft term from its status (answered locally, without raft); undefined when it does not say. */
  private async memberTerm(pool: Pool): Promise<number | undefined> {
    const res = await pool.request({ path: '/v3/maintenance/status', method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, headersTimeout: this.options.requestTimeoutMs, bodyTimeout: this.options.requestTimeoutMs });
    const status = (await res.body.json()) as { raftTerm?: string; header?: RawHeader };
    const term = Number(status.raftTerm ?? status.header?.raft_term ?? 'NaN');
    return res.statusCode === 200 && Number.isSafeInteger(term) && term > 0 ? term : undefined;
  }

  /** Moves to the next member unless another call already did. */
  private rotate(failed: Pool): void {
    if (this.pools[this.current] === failed) this.current = (this.current + 1) % this.pools.length;
  }
}

interface RawWatchResult {
  header?: RawHeader;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: Array<{ type?: string; kv?: RawKv }>;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string | undefined): string {
  return text === undefined ? '' : Buffer.from(text, 'base64').toString('utf8');
}

function revisionOf(header: RawHeader | undefined): number {
  return Number(header?.revision ?? '0');
}

function decodeKv(raw: RawKv): KeyValue {
  return {
    key: unb64(raw.key),
    value: unb64(raw.value),
    createRevision: Number(raw.create_revision ?? '0'),
    modRevision: Number(raw.mod_revision ?? '0'),
    version: Number(raw.version ?? '0'),
  };
}

function encodeCompare(compare: Compare): Record<string, string> {
  switch (compare.target) {
    case 'value':
      return { key: b64(compare.key), target: 'VALUE', result: 'EQUAL', value: b64(compare.equals) };
    case 'createRevision':
      return { key: b64(compare.key), target: 'CREATE', result: 'EQUAL', create_revision: String(compare.equals) };
    default:
      throw new Error(`unhandled compare ${String((compare satisfies never) as unknown)}`);
  }
}

function encodeOp(op: TxnOp): Record<string, unknown> {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease === undefined ? {} : { lease: op.put.lease }) } };
  if ('range' in op) return { request_range: { key: b64(op.range.key), ...(op.range.rangeEnd === undefined ? {} : { range_end: b64(op.range.rangeEnd) }) } };
  return { request_delete_range: { key: b64(op.deleteRange.key), ...(op.deleteRange.rangeEnd === undefined ? {} : { range_end: b64(op.deleteRange.rangeEnd) }) } };
}
