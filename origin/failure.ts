/** Failure injection: whether an object request fails, and what the failure looks like. */
import type { Random } from '../common/ports.js';
import { jsonResponse } from './json-response.js';
import type { FailureSettings } from './state.js';
import type { OriginResponse } from './types.js';

export type InjectedFailure = 'none' | 'error' | 'refuse' | 'hang';

/** Long enough that any client gives up first, short enough for Node's timer range. */
export const HANG_DELAY_MS = 3_600_000;

/**
 * The admin-set mode wins; in 'ok' mode `?fail=1` forces an error and `failureRate` rolls the
 * dice. Random is consulted only when the rate is non-zero, so a simulator's random stream does
 * not shift because a failure-free origin was added.
 */
export function decideFailure(settings: FailureSettings, forcedByQuery: boolean, random: Random): InjectedFailure {
  switch (settings.mode) {
    case 'error':
    case 'refuse':
    case 'hang':
      return settings.mode;
    case 'ok':
      if (forcedByQuery) return 'error';
      if (settings.failureRate > 0 && random.next() < settings.failureRate) return 'error';
      return 'none';
  }
}

export function failureResponse(
  failure: Exclude<InjectedFailure, 'none'>,
  status: number,
  nowMs: number,
  latencyMs: number,
): OriginResponse {
  switch (failure) {
    case 'error':
      return jsonResponse(status, { error: 'injected failure' }, nowMs, { delayMs: latencyMs });
    case 'refuse':
      // The status is never sent: the carrier drops the connection instead.
      return { ...jsonResponse(status, { error: 'injected refusal' }, nowMs, { delayMs: latencyMs }), action: 'refuse' };
    case 'hang':
      // A client patient enough to wait an hour still sees a failure, not a normal answer.
      return jsonResponse(status, { error: 'injected hang' }, nowMs, { delayMs: HANG_DELAY_MS });
  }
}
