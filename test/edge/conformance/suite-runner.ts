/**
 * Runs transcribed conformance-suite tests through the real edge, checking each step the way the
 * suite's client does (test-engine/client/test.mjs: checkResponse, checkResponseBody,
 * checkServerRequests). A `pause_after` waits for the edge's background work and then moves the
 * shared FakeClock 3 s instead of sleeping. Failures say whether the suite would report them as a
 * setup error (the test could not run) or an assertion failure.
 */
import { suite } from 'uvu';
import { request as undiciRequest } from 'undici';
import type { EdgeOptions } from '../../../edge/pipeline/edge.js';
import { startScriptedEdge, type ScriptedEdgeHarness } from '../../support/scripted-edge-harness.js';
import { fixupHeaderValue, type RecordedRequest } from '../../support/scripted-origin.js';
import type { SuiteStep, SuiteTest } from './suite-lib.js';

const PAUSE_MS = 3000;
const REQUEST_TIMEOUT_MS = 10_000;
const NO_BODY_STATUS = new Set([204, 304]);
/** Fields the suite does not compare with what the origin sent (lib/defines.mjs). */
const SKIP_RESPONSE_HEADERS = new Set(['date']);

export class SuiteFailure extends Error {
  constructor(
    readonly setup: boolean,
    message: string,
  ) {
    super(`${setup ? 'Setup' : 'Assertion'}: ${message}`);
    this.name = setup ? 'SetupError' : 'AssertionError';
  }
}

function check(isSetup: boolean, ok: boolean, message: string): void {
  if (!ok) throw new SuiteFailure(isSetup, message);
}

function isSetupFor(step: SuiteStep, member: string): boolean {
  return step.setup === true || (step.setup_tests?.includes(member) ?? false);
}

interface Received {
  status: number;
  headers: Headers;
  body: string;
  /** 1xx responses seen before the final one; only collected for steps that expect some. */
  interim: Array<{ status: number; headers: Record<string, string | string[]> }>;
}

let uuidCounter = 0;
function nextUuid(): string {
  uuidCounter++;
  return `00000000-0000-4000-8000-${uuidCounter.toString(16).padStart(12, '0')}`;
}

/** A uvu suite named after the suite's group, one uvu test per suite test id, one edge for all. */
export function registerGroup(groupId: string, tests: readonly SuiteTest[], overrides?: Partial<EdgeOptions>, options: { optional?: boolean } = {}): void {
  const group = suite<{ h?: ScriptedEdgeHarness }>(groupId, {});
  group.before(async (ctx) => {
    ctx.h = await startScriptedEdge(overrides === undefined ? {} : { overrides });
  });
  group.after(async (ctx) => {
    await ctx.h?.close();
  });
  const seen = new Set<string>();
  for (const t of tests) {
    if (seen.has(t.id)) throw new Error(`duplicate test id ${t.id}`);
    seen.add(t.id);
    // Optional ('optimal') tests only where a group says so, so none slips into the required count.
    if (t.kind !== undefined && t.kind !== 'required' && options.optional !== true) throw new Error(`${t.id} is ${t.kind}, not required`);
    if (t.browser_only === true) throw new Error(`${t.id} is browser-only; a shared cache does not run it`);
    group(t.id, async (ctx) => runSuiteTest(ctx.h!, t));
  }
  group.run();
}

export async function runSuiteTest(h: ScriptedEdgeHarness, t: SuiteTest): Promise<void> {
  const uuid = nextUuid();
  const steps = t.requests.map((step) => ({ ...step }));
  h.origin.script(uuid, steps);
  const responses: Received[] = [];
  for (let idx = 0; idx < steps.length; idx++) {
    const step = steps[idx]!;
    const previous = responses[idx - 1];
    const res = await send(h, t, uuid, idx, step, previous);
    responses.push(res);
    checkResponse(idx, step, res, uuid);
    if (step.pause_after === true) {
      await h.edge.settled();
      h.clock.advance(PAUSE_MS);
    }
  }
  await h.edge.settled();
  checkServerRequests(steps, responses, h.origin.requests(uuid));
}

async function send(h: ScriptedEdgeHarness, t: SuiteTest, uuid: string, idx: number, step: SuiteStep, previous: Received | undefined): Promise<Received> {
  let url = `${h.edgeUrl}/test/${uuid}`;
  if (step.filename !== undefined) url += `/${step.filename}`;
  if (step.query_arg !== undefined) url += `?${step.query_arg}`;
  // test-engine/client/fetching.mjs init(): the "dirty hack" fields, the test's own, then ids.
  const headers: Array<[string, string]> = [
    ['Pragma', 'foo'],
    ['Cache-Control', 'nothing-to-see-here'],
  ];
  const previousHeaders = previous === undefined ? {} : Object.fromEntries(previous.headers);
  for (const spec of step.request_headers ?? []) {
    const magic = step.magic_ims === true && spec[0].toLowerCase() === 'if-modified-since';
    headers.push([spec[0], magic ? fixupHeaderValue(spec, previousHeaders, step) : String(spec[1])]);
  }
  headers.push(['Test-Name', t.name]);
  headers.push(['Test-ID', t.id]);
  headers.push(['Req-Num', String(idx + 1)]);
  if (step.expected_interim_responses !== undefined) return sendSeeingInterim(url, step, headers);
  const response = await fetch(url, {
    method: step.request_method ?? 'GET',
    headers,
    ...(step.request_body === undefined ? {} : { body: step.request_body }),
    redirect: step.redirect ?? 'follow',
    cache: 'no-store',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, interim: [] };
}

/** fetch() hides 1xx responses; undici's request reports them through onInfo. */
async function sendSeeingInterim(url: string, step: SuiteStep, headers: Array<[string, string]>): Promise<Received> {
  const interim: Received['interim'] = [];
  const res = await undiciRequest(url, {
    method: (step.request_method ?? 'GET') as 'GET',
    headers: headers.flat(),
    onInfo: (info) => interim.push({ status: info.statusCode, headers: info.headers }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const received = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) received.append(name, v);
  }
  return { status: res.statusCode, headers: received, body: await res.body.text(), interim };
}

/** Each expected 1xx arrived, in order, carrying the expected fields. */
function checkInterim(reqNum: number, step: SuiteStep, res: Received): void {
  const expected = step.expected_interim_responses;
  if (expected === undefined) return;
  const setup = isSetupFor(step, 'expected_interim_responses');
  check(setup, res.interim.length === expected.length, `Response ${reqNum} had ${res.interim.length} interim responses, not ${expected.length}`);
  expected.forEach(([code, fields = []], i) => {
    const got = res.interim[i]!;
    check(setup, got.status === code, `Interim response ${i + 1} of response ${reqNum} is ${got.status}, not ${code}`);
    for (const [name, value] of fields) {
      const v = got.headers[name.toLowerCase()];
      check(setup, (Array.isArray(v) ? v.join(', ') : v) === value, `Interim response ${i + 1} of response ${reqNum} has ${name}: ${String(v)}, not ${value}`);
    }
  });
}

function checkResponse(idx: number, step: SuiteStep, res: Received, uuid: string): void {
  const reqNum = idx + 1;
  checkInterim(reqNum, step, res);
  const resNum = parseInt(res.headers.get('server-request-count') ?? '', 10);

  const numbers = res.headers.get('request-numbers');
  if (numbers !== null) {
    const list = numbers.split(' ').map((n) => parseInt(n, 10));
    check(false, list.length === new Set(list).size, 'retry');
  }

  if (step.expected_type !== undefined) {
    const typeSetup = isSetupFor(step, 'expected_type');
    if (step.expected_type === 'cached' && !(res.status === 304 && Number.isNaN(resNum))) {
      check(typeSetup, resNum < reqNum, `Response ${reqNum} does not come from cache`);
    }
    if (step.expected_type === 'not_cached') {
      check(typeSetup, resNum === reqNum, `Response ${reqNum} comes from cache`);
    }
  }

  if (step.expected_status !== undefined) {
    if (step.expected_status !== null) {
      check(isSetupFor(step, 'expected_status'), res.status === step.expected_status, `Response ${reqNum} status is ${res.status}, not ${step.expected_status}`);
    }
  } else if (step.response_status !== undefined) {
    check(true, res.status === step.response_status[0], `Response ${reqNum} status is ${res.status}, not ${step.response_status[0]}`);
  } else if (res.status === 999) {
    check(isSetupFor(step, 'expected_type'), false, `Request ${reqNum} should have been conditional, but it was not.`);
  } else {
    check(true, res.status === 200, `Response ${reqNum} status is ${res.status}, not 200`);
  }

  if (step.expected_response_headers !== undefined) {
    const setup = isSetupFor(step, 'expected_response_headers');
    for (const header of step.expected_response_headers) {
      if (typeof header === 'string') {
        check(setup, res.headers.has(header), `Response ${reqNum} ${header} header not present.`);
      } else if (header.length > 2) {
        const [name, op, operand] = header as [string, '=' | '>', string | number];
        check(setup, res.headers.has(name), `Response ${reqNum} ${name} header not present.`);
        const value = res.headers.get(name);
        if (op === '=') {
          const expected = res.headers.get(String(operand));
          check(setup, value === expected, `Response ${reqNum} header ${name} is ${value}, should match ${operand} (${expected})`);
        } else {
          check(setup, parseInt(value ?? '', 10) > Number(operand), `Response ${reqNum} header ${name} is ${value}, should be bigger than ${operand}`);
        }
      } else {
        const expected = fixupHeaderValue([header[0], header[1]], Object.fromEntries(res.headers), step);
        const got = res.headers.get(header[0]);
        check(setup, got === expected, `Response ${reqNum} header ${header[0]} is "${got}", not "${expected}"`);
      }
    }
  }
  if (step.expected_response_headers_missing !== undefined) {
    const setup = isSetupFor(step, 'expected_response_headers_missing');
    for (const header of step.expected_response_headers_missing) {
      if (typeof header === 'string') {
        check(setup, !res.headers.has(header), `Response ${reqNum} includes unexpected header ${header}: "${res.headers.get(header)}"`);
      }
      // The suite's [name, value] form reads `response.headers[name]`, which a fetch Headers
      // object never has, so that form never fails there; it is a no-op here too.
    }
  }

  // checkResponseBody
  if (step.check_body === false) return;
  if (step.expected_response_text !== undefined) {
    if (step.expected_response_text !== null) {
      check(isSetupFor(step, 'expected_response_text'), res.body === step.expected_response_text, `Response body is "${res.body}", not "${step.expected_response_text}"`);
    }
  } else if (step.response_body !== undefined && step.response_body !== null) {
    check(true, res.body === step.response_body, `Response body is "${res.body}", not "${step.response_body}"`);
  } else if (!NO_BODY_STATUS.has(res.status) && step.request_method !== 'HEAD') {
    check(true, res.body === uuid, `Response body is "${res.body}", not "${uuid}"`);
  }
}

function checkServerRequests(steps: readonly SuiteStep[], responses: readonly Received[], serverState: readonly RecordedRequest[]): void {
  let testIdx = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const response = responses[i]!;
    const serverRequest = serverState[testIdx];
    const reqNum = i + 1;
    const typeSetup = isSetupFor(step, 'expected_type');
    const validating: string[] = [];
    if (step.expected_type !== undefined) {
      if (step.expected_type === 'cached') continue; // the server will not see the request
      if (step.expected_type === 'not_cached') {
        check(typeSetup, serverRequest?.requestNum === reqNum, `Response ${reqNum} comes from cache (${serverRequest?.requestNum} on server)`);
      }
      if (step.expected_type === 'etag_validated') validating.push('if-none-match');
      if (step.expected_type === 'lm_validated') validating.push('if-modified-since');
    }
    testIdx++;
    for (const name of validating) {
      check(typeSetup, serverRequest !== undefined, `request ${reqNum} wasn't sent to server`);
      check(typeSetup, Object.hasOwn(serverRequest!.headers, name), `request ${reqNum} doesn't have ${name} header`);
    }
    if (step.expected_request_headers !== undefined) {
      if (serverRequest === undefined) throw new TypeError(`request ${reqNum} has no server-side record`);
      const setup = isSetupFor(step, 'expected_request_headers');
      for (const header of step.expected_request_headers) {
        if (typeof header === 'string') {
          check(setup, Object.hasOwn(serverRequest.headers, header.toLowerCase()), `Request ${reqNum} ${header} header not present.`);
        } else {
          const value = serverRequest.headers[header[0].toLowerCase()];
          check(setup, value === header[1], `Request ${reqNum} header ${header[0]} is "${String(value)}", not "${header[1]}"`);
        }
      }
    }
    if (step.expected_request_headers_missing !== undefined) {
      if (serverRequest === undefined) throw new TypeError(`request ${reqNum} has no server-side record`);
      const setup = isSetupFor(step, 'expected_request_headers_missing');
      for (const header of step.expected_request_headers_missing) {
        if (typeof header === 'string') {
          check(setup, !Object.hasOwn(serverRequest.headers, header.toLowerCase()), `Request ${reqNum} ${header} header present.`);
        } else {
          const value = serverRequest.headers[header[0].toLowerCase()];
          check(setup, value !== header[1], `Request ${reqNum} header ${header[0]} is "${String(value)}"`);
        }
      }
    }
    if (serverRequest !== undefined) {
      for (const [name, sent] of serverRequest.responseHeaders) {
        if (SKIP_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
        const expected = Array.isArray(sent) ? sent.join(', ') : sent;
        const received = response.headers.get(name);
        check(false, received === expected, `Response ${reqNum} header ${name} is "${received}", not "${expected}"`);
      }
    }
    if (step.expected_method !== undefined) {
      check(isSetupFor(step, 'expected_method'), serverRequest?.method === step.expected_method, `Request ${reqNum} had method ${serverRequest?.method}, not ${step.expected_method}`);
    }
  }
}
