/** The plain-data contract between the origin's pure handler and whatever carries its bytes. */
import type { HeaderList, RequestHeaders } from '../common/http.js';
import type { InformationalResponse } from '../common/ports.js';

export interface OriginRequest {
  method: string;
  /** The request target as received: path and query (absolute form is accepted too). */
  target: string;
  headers: RequestHeaders;
  body?: Uint8Array;
}

export interface OriginResponse {
  status: number;
  headers: HeaderList;
  body: Uint8Array;
  /** How long the carrier waits before answering (or refusing); simulated latency. */
  delayMs: number;
  /** 'refuse': send nothing and drop the connection, as a crashed origin would. */
  action?: 'refuse';
  /** 1xx responses sent at once, before the delay and the final answer (`?early-hints=`). */
  interim?: InformationalResponse[];
}

/** Counts of object requests; `/_stats` and `/_admin/*` are instrumentation and not counted. */
export interface OriginStats {
  requests: number;
  paths: Record<string, number>;
  methods: Record<string, number>;
}

export interface Origin {
  handle(req: OriginRequest): OriginResponse;
  stats(): OriginStats;
}
