/**
 * Followers hand purges to the leader replica in batches (`POST /purges/forwarded`), not one
 * HTTP request per purge: under load the leader parsed, routed and answered two requests of its
 * followers' for every one of its own, and that per-request cost, not etcd, set the store's rate.
 *
 * This file holds the wire shape (checked with typebox on the leader) and the follower's
 * coalescer, which is transport-neutral: the purges handed to it in one task go out together,
 * up to `maxPurges` and `maxBodyBytes` per request and `maxInFlight` requests per leader.
 */
import { Type, type Static } from '@sinclair/typebox';
import { checkBody, type Checked, type PurgeRequest } from '../../common/control-protocol.js';
import type { ForwardResult } from './etcd-purge-log.js';

export const FORWARDED_BATCH_PATH = '/purges/forwarded';

/** Most purges in one forwarded request. */
export const MAX_FORWARDED_PURGES = 64;

/** Room for the envelope around purges whose JSON adds up to maxBodyBytes. */
export const FORWARDED_ENVELOPE_BYTES = 64 * 1024;

export const ForwardedBatchSchema = Type.Object(
  {
    purges: Type.Array(
      Type.Object(
        {
          /** Checked like the body of POST /purges (checkPurgeRequest). */
          request: Type.Unknown(),
          idempotencyKey: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_FORWARDED_PURGES },
    ),
  },
  { additionalProperties: false },
);
export type ForwardedBatch = Static<typeof ForwardedBatchSchema>;

/** One answer per purge, in order: what POST /purges would have answered for it. */
export type ForwardedAnswer = { status: 202; id: string; seq: number } | { status: number; error: string };

export function checkForwardedBatch(body: unknown): Checked<ForwardedBatch> {
  return checkBody(ForwardedBatchSchema, body);
}

/** What came of one forwarded request. */
export type ForwardedBatchResult =
  | { kind: 'answered'; answers: ForwardedAnswer[] }
  /** Nothing reached the leader (connection refused). */
  | { kind: 'not-sent'; message: string }
  /** The leader may or may not have taken them. */
  | { kind: 'failed'; message: string };

export interface ForwardItem {
  req: PurgeRequest;
  idempotencyKey: string | undefined;
}

export interface CoalescerOptions {
  maxPurges: number;
  /** Sum of the purges' JSON per request. */
  maxBodyBytes: number;
  /** Requests in flight to one leader; more purges wait and go in the next one. */
  maxInFlight: number;
}

interface Queued extends ForwardItem {
  bytes: number;
  resolve: (result: ForwardResult) => void;
}

/**
 * Returns a per-purge `forward` (what EtcdPurgeLog calls) that sends purges in batches through
 * `sendBatch`. Each purge gets its own answer: accepted, or the batch's not-sent / failed.
 */
export function coalesceForwards(
  sendBatch: (leaderUrl: string, items: ForwardItem[]) => Promise<ForwardedBatchResult>,
  options: CoalescerOptions,
): (leaderUrl: string, req: PurgeRequest, idempotencyKey: string | undefined) => Promise<ForwardResult> {
  const queues = new Map<string, { waiting: Queued[]; inFlight: number; scheduled: boolean }>();

  const launch = (leaderUrl: string): void => {
    const q = queues.get(leaderUrl)!;
    q.scheduled = false;
    while (q.waiting.length > 0 && q.inFlight < options.maxInFlight) {
      let bytes = 0;
      let count = 0;
      for (const item of q.waiting) {
        if (count > 0 && (count >= options.maxPurges || bytes + item.bytes > options.maxBodyBytes)) break;
        bytes += item.bytes;
        count++;
      }
      const batch = q.waiting.splice(0, count);
      q.inFlight++;
      void sendBatch(leaderUrl, batch)
        .catch((err: unknown): ForwardedBatchResult => ({ kind: 'failed', message: (err as Error).message }))
        .then((result) => {
          q.inFlight--;
          batch.forEach((item, i) => item.resolve(answerFor(result, i)));
          if (q.waiting.length > 0) launch(leaderUrl);
          else if (q.inFlight === 0) queues.delete(leaderUrl);
        });
    }
  };

  return (leaderUrl, req, idempotencyKey) =>
    new Promise<ForwardResult>((resolve) => {
      let q = queues.get(leaderUrl);
      if (q === undefined) {
        q = { waiting: [], inFlight: 0, scheduled: false };
        queues.set(leaderUrl, q);
      }
      q.waiting.push({ req, idempotencyKey, bytes: JSON.stringify(req).length + (idempotencyKey?.length ?? 0) + 40, resolve });
      if (!q.scheduled) {
        // Purges handed over in the same task go in one request.
        q.scheduled = true;
        queueMicrotask(() => launch(leaderUrl));
      }
    });
}

function answerFor(result: ForwardedBatchResult, index: number): ForwardResult {
  switch (result.kind) {
    case 'not-sent':
    case 'failed':
      return result;
    case 'answered': {
      const answer = result.answers[index];
      if (answer === undefined) return { kind: 'failed', message: `the leader answered ${result.answers.length} purges of a larger batch` };
      if (answer.status === 202 && 'seq' in answer) return { kind: 'accepted', seq: answer.seq, id: answer.id };
      return { kind: 'failed', message: `the leader answered ${answer.status}: ${'error' in answer ? answer.error : ''}` };
    }
    default:
      throw new Error(`unhandled forward result ${String((result satisfies never) as unknown)}`);
  }
}
