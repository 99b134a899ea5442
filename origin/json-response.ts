/** JSON answers for admin, stats, errors and unsafe methods: never cacheable, always dated. */
import type { HeaderList } from '../common/http.js';
import { formatHttpDate } from '../common/http-semantics/http-date.js';
import type { OriginResponse } from './types.js';

const encoder = new TextEncoder();

export function jsonResponse(
  status: number,
  value: unknown,
  nowMs: number,
  options: { delayMs?: number; extraHeaders?: HeaderList } = {},
): OriginResponse {
  const body = encoder.encode(`${JSON.stringify(value)}\n`);
  return {
    status,
    headers: [
      ['date', formatHttpDate(nowMs)],
      ['content-type', 'application/json'],
      ['cache-control', 'no-store'],
      ...(options.extraHeaders ?? []),
      ['content-length', String(body.length)],
    ],
    body,
    delayMs: options.delayMs ?? 0,
  };
}

/** An error answer whose message says what to fix, e.g. `mode: expected union value`. */
export function jsonError(status: number, message: string, nowMs: number, extraHeaders?: HeaderList): OriginResponse {
  return jsonResponse(status, { error: message }, nowMs, extraHeaders === undefined ? {} : { extraHeaders });
}
