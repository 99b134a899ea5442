/**
 * An origin that behaves like the test server of the HTTP caching conformance suite
 * (github.com/http-tests/cache-tests, test-engine/server/handle-test.mjs), so its tests can be
 * replayed through the real edge. Each test registers its step configs under a uuid; a request
 * to `/test/<uuid>[/file][?query]` picks the config by its `Req-Num` header (else by how many
 * requests the uuid has seen), answers with the configured status, header fields and body plus
 * the suite's bookkeeping fields, and records what it saw. Dates given as integers are offsets in
 * seconds from the injected clock's now, so a test moves time by hand instead of sleeping.
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeader, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../common/ports.js';

/** `[name, value]` or `[name, value, checked]`; a number value for a date field is an offset in seconds. */
export type HeaderSpec = [name: string, value: string | number, checked?: boolean];

/** The server-side part of one step of a suite test. */
export interface StepConfig {
  response_headers?: HeaderSpec[];
  response_status?: [code: number, phrase: string];
  /** Absent or null: the body is the test's uuid. */
  response_body?: string | null;
  expected_type?: string;
  disconnect?: boolean;
  magic_locations?: boolean;
  rfc850date?: string[];
  /** 1xx responses sent before the final one: `[status, [[name, value], ...]]` (tests/interim.mjs). */
  interim_responses?: Array<[number, Array<[string, string]>?]>;
}

/** What the origin saw for one request, as the suite's server stashes it. */
export interface RecordedRequest {
  /** The client's Req-Num (NaN when absent). */
  requestNum: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The configured fields it answered with whose check flag was not false, after date fix-up. */
  responseHeaders: Array<[string, OutgoingHttpHeader]>;
}

export interface ScriptedOrigin {
  url: string;
  /** Registers a test's steps; requests for other uuids get 409 as in the suite. */
  script(uuid: string, steps: readonly StepConfig[]): void;
  /** Requests seen for a uuid, in arrival order. */
  requests(uuid: string): RecordedRequest[];
  close(): Promise<void>;
}

const NO_BODY_STATUS = new Set([204, 304]);
const DATE_HEADERS = new Set(['date', 'expires', 'last-modified', 'if-modified-since', 'if-unmodified-since']);
const LOCATION_HEADERS = new Set(['location', 'content-location']);
const RFC850_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The suite's httpDate(): IMF-fixdate, or RFC 850 when asked, `deltaSeconds` from `nowMs`. */
export function httpDate(nowMs: number, deltaSeconds: number, format?: 'rfc850'): string {
  const instant = new Date(nowMs + deltaSeconds * 1000);
  if (format !== 'rfc850') return instant.toUTCString();
  const pad = (n: number) => n.toString().padStart(2, '0');
  const year = instant.getUTCFullYear().toString().slice(2);
  return `${RFC850_DAYS[instant.getUTCDay()]}, ${pad(instant.getUTCDate())}-${MONTHS[instant.getUTCMonth()]}-${year} ${pad(instant.getUTCHours())}:${pad(instant.getUTCMinutes())}:${pad(instant.getUTCSeconds())} GMT`;
}

/**
 * The suite's fixupHeader(): integer date values become HTTP dates relative to the `server-now`
 * field of `responseHeaders`; location values are made absolute under `server-base-url` when the
 * step asks for magic locations. Returns the value; does not mutate the spec.
 */
export function fixupHeaderValue(
  spec: HeaderSpec,
  responseHeaders: Readonly<Record<string, string | undefined>>,
  step: Pick<StepConfig, 'magic_locations' | 'rfc850date'>,
): string {
  const name = spec[0].toLowerCase();
  let value = spec[1];
  if (DATE_HEADERS.has(name) && typeof value === 'number' && Number.isInteger(value)) {
    const serverNow = parseInt(responseHeaders['server-now'] ?? '', 10);
    value = httpDate(serverNow, value, step.rfc850date?.includes(name) === true ? 'rfc850' : undefined);
  }
  if (LOCATION_HEADERS.has(name) && step.magic_locations === true) {
    const base = responseHeaders['server-base-url'];
    value = value === '' ? `${base}` : `${base}/${value}`;
  }
  return String(value);
}

export async function startScriptedOrigin(clock: Clock): Promise<ScriptedOrigin> {
  const configs = new Map<string, readonly StepConfig[]>();
  const stash = new Map<string, RecordedRequest[]>();

  // A short keep-alive: a body framed by connection close (the bogus Transfer-Encoding case)
  // then ends in half a second instead of node's default five.
  const server: Server = createServer({ keepAliveTimeout: 500 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const segments = path.split('/').filter((s) => s !== '');
    const uuid = segments[0] === 'test' ? segments[1] : undefined;
    const steps = uuid === undefined ? undefined : configs.get(uuid);
    if (uuid === undefined || steps === undefined) {
      res.writeHead(409, { 'content-type': 'text/plain' }).end(`Requests not found for ${uuid}\n`);
      return;
    }
    const state = stash.get(uuid) ?? [];
    const serverRequestNum = state.length + 1;
    const clientRequestNum = parseInt(String(req.headers['req-num']), 10);
    const requestNum = clientRequestNum || serverRequestNum;
    const step = steps[requestNum - 1];
    if (step === undefined) {
      res.writeHead(409, { 'content-type': 'text/plain' }).end(`config not found for request ${serverRequestNum}\n`);
      return;
    }
    const previous = steps[requestNum - 2];
    answer(uuid, step, previous, req.method ?? 'GET', req.url ?? '/', req.headers, res, state, serverRequestNum, clientRequestNum);
    stash.set(uuid, state);
  });

  function answer(
    uuid: string,
    step: StepConfig,
    previous: StepConfig | undefined,
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    res: ServerResponse,
    state: RecordedRequest[],
    serverRequestNum: number,
    clientRequestNum: number,
  ): void {
    const nowMs = clock.wallMs();
    for (const [code, fields = []] of step.interim_responses ?? []) {
      if (code === 102) res.writeProcessing();
      else if (code === 103) res.writeEarlyHints(Object.fromEntries(fields));
      else throw new Error(`the scripted origin cannot send a ${code}`);
    }
    let status: [number, string] = step.response_status ?? [200, 'OK'];
    if (step.expected_type !== undefined && step.expected_type.endsWith('validated')) {
      const previousLm = lastHeader(previous?.response_headers ?? [], 'last-modified');
      if (previousLm !== undefined && headers['if-modified-since'] === previousLm) status = [304, 'Not Modified'];
      const previousEtag = lastHeader(previous?.response_headers ?? [], 'etag');
      if (previousEtag !== undefined && headers['if-none-match'] === previousEtag) status = [304, 'Not Modified'];
      if (status[0] !== 304) status = [999, '304 Not Generated'];
    }
    res.statusCode = status[0];
    res.statusMessage = status[1];

    res.setHeader('Server-Base-Url', url);
    res.setHeader('Server-Request-Count', serverRequestNum);
    res.setHeader('Client-Request-Count', String(clientRequestNum));
    res.setHeader('Server-Now', nowMs);
    const saved = new Map<string, OutgoingHttpHeader>();
    for (const spec of step.response_headers ?? []) {
      const current = flatHeaders(res);
      const value = fixupHeaderValue(spec, current, step);
      // The suite's fixupHeader rewrites the stored config in place, so a later step's
      // validator comparison sees the date string that was actually sent.
      spec[1] = value;
      const name = spec[0];
      const existing = res.getHeader(name);
      if (existing === undefined) res.setHeader(name, value);
      else if (Array.isArray(existing)) res.setHeader(name, [...existing, value]);
      else res.setHeader(name, [String(existing), value]);
      if (spec.length < 3 || spec[2] === true) saved.set(name, res.getHeader(name)!);
    }
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'text/plain');

    state.push({ requestNum: clientRequestNum, method, url, headers, responseHeaders: [...saved.entries()] });
    res.setHeader('Request-Numbers', state.map((r) => r.requestNum).join(' '));

    if (step.disconnect === true) {
      res.socket?.destroy();
    } else if (NO_BODY_STATUS.has(res.statusCode)) {
      res.end();
    } else {
      res.end(step.response_body ?? uuid);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    script(uuid, steps) {
      // A private copy, as the suite's server gets its configs as JSON; answering mutates it.
      configs.set(uuid, structuredClone(steps));
      stash.delete(uuid);
    },
    requests(uuid) {
      return stash.get(uuid) ?? [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The suite's getHeader(): the last configured value of a field, case-insensitively. */
function lastHeader(specs: readonly HeaderSpec[], name: string): string | number | undefined {
  let found: string | number | undefined;
  for (const [n, v] of specs) if (n.toLowerCase() === name) found = v;
  return found;
}

function flatHeaders(res: ServerResponse): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    out[name] = value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
