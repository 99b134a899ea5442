/** The completed-request record the access-log format tests start from and vary. */
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';

export const sampleRequest: CompletedRequest = {
  startWallMs: Date.UTC(2026, 10, 26, 12, 3, 4, 567),
  durationMs: 1.23456,
  clientAddress: '127.0.0.1',
  method: 'GET',
  target: '/a?b=1',
  protocol: 'HTTP/1.1',
  status: 200,
  outcome: { kind: 'miss', hit: false, fwd: 'uri-miss', bytes: 42, upstream: 'origin' },
  requestId: 'r-1',
  completed: true,
  referer: undefined,
  userAgent: 'curl/8.5',
};
