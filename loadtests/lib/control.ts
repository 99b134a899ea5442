/**
 * The control plane's purge API from k6: `POST /purges` → 202 {id, seq}, then `GET /purges/:id`
 * until the receipt leaves 'pending' (see common/control-protocol.ts for the wire format).
 */
import http from 'k6/http';
import { sleep } from 'k6';
import { bearer } from './region.ts';
import { describeFailure } from './response.ts';

export type PurgeKind = 'url' | 'key' | 'prefix' | 'all';
export type ReceiptState = 'pending' | 'complete' | 'complete-with-expired-leases';

export interface Receipt {
  id: string;
  seq: number;
  state: ReceiptState;
  edges?: Array<{ edge: string; applied: boolean; leaseExpired: boolean }>;
}

const CONTROL_TAGS = { name: 'control-plane' };

export function submitPurge(
  controlUrl: string,
  token: string | undefined,
  kind: PurgeKind,
  values: string[],
  soft = false,
): { ok: true; id: string; seq: number } | { ok: false; message: string } {
  const res = http.post(`${controlUrl}/purges`, JSON.stringify({ kind, values, soft }), {
    headers: { ...bearer(token), 'Content-Type': 'application/json' },
    tags: CONTROL_TAGS,
    timeout: '10s',
  });
  if (res.status !== 202) return { ok: false, message: `POST ${controlUrl}/purges: expected 202, got ${describeFailure(res)}` };
  const accepted = JSON.parse(res.body as string) as { id?: unknown; seq?: unknown };
  if (typeof accepted.id !== 'string' || typeof accepted.seq !== 'number') {
    return { ok: false, message: `POST /purges: expected {id, seq}, got ${String(res.body).slice(0, 200)}` };
  }
  return { ok: true, id: accepted.id, seq: accepted.seq };
}

/**
 * Polls the receipt every `intervalMs` until it is no longer pending or `timeoutMs` passes.
 * `waitedMs` is measured from the call, so it is the time from 202 to "complete".
 */
export function awaitReceipt(
  controlUrl: string,
  token: string | undefined,
  id: string,
  timeoutMs: number,
  intervalMs: number,
): { ok: true; receipt: Receipt; waitedMs: number } | { ok: false; message: string } {
  const startedMs = Date.now();
  let last = 'no answer yet';
  for (;;) {
    const res = http.get(`${controlUrl}/purges/${encodeURIComponent(id)}`, { headers: bearer(token), tags: CONTROL_TAGS, timeout: '10s' });
    if (res.status === 200) {
      const receipt = JSON.parse(res.body as string) as Receipt;
      if (receipt.state === 'complete' || receipt.state === 'complete-with-expired-leases') {
        return { ok: true, receipt, waitedMs: Date.now() - startedMs };
      }
      last = `state ${receipt.state}; edges ${JSON.stringify(receipt.edges ?? [])}`;
    } else {
      last = describeFailure(res);
    }
    if (Date.now() - startedMs >= timeoutMs) return { ok: false, message: `receipt ${id} not complete after ${timeoutMs} ms (last: ${last})` };
    sleep(intervalMs / 1000);
  }
}
