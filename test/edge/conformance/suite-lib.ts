/**
 * The shape of the HTTP caching conformance suite's tests (github.com/http-tests/cache-tests,
 * tests/*.mjs) and the helpers its test files use (tests/lib/templates.mjs, lib/utils.mjs), so the
 * tables in this folder can be transcribed from the suite line for line.
 */
import type { HeaderSpec, StepConfig } from '../../support/scripted-origin.js';

export type { HeaderSpec };

export type ExpectedType = 'cached' | 'not_cached' | 'etag_validated' | 'lm_validated';

/** A name (present), `[name, value]` (equal; a number is a date offset) or `[name, '=' | '>', operand]`. */
export type ExpectedHeader = string | [string, string | number] | [string, '=' | '>', string | number];

export interface SuiteStep extends StepConfig {
  request_method?: string;
  request_headers?: HeaderSpec[];
  request_body?: string;
  /** Resolve an integer If-Modified-Since against the previous response's Server-Now. */
  magic_ims?: boolean;
  filename?: string;
  query_arg?: string;
  redirect?: 'follow' | 'manual' | 'error';
  /** Every check of this step is a setup check; a failure means the test could not run. */
  setup?: boolean;
  /** The named checks of this step are setup checks. */
  setup_tests?: string[];
  /** The suite sleeps 3 s after this step; the replica moves the FakeClock instead. */
  pause_after?: boolean;
  expected_type?: ExpectedType;
  /** null: do not check. */
  expected_status?: number | null;
  expected_response_headers?: ExpectedHeader[];
  expected_response_headers_missing?: Array<string | [string, string]>;
  expected_request_headers?: Array<string | [string, string]>;
  expected_request_headers_missing?: Array<string | [string, string]>;
  /** null: do not check. */
  expected_response_text?: string | null;
  check_body?: boolean;
  expected_method?: string;
  /** The 1xx responses the client must see before the final one, in order, with these fields. */
  expected_interim_responses?: Array<[number, Array<[string, string]>?]>;
}

export interface SuiteTest {
  name: string;
  id: string;
  /** Absent means required. */
  kind?: 'required' | 'optimal' | 'check';
  browser_only?: boolean;
  browser_skip?: boolean;
  cdn_only?: boolean;
  depends_on?: string[];
  requests: SuiteStep[];
}

/** tests/lib/templates.mjs makeTemplate: objects merge, arrays concatenate, the rest is replaced. */
export function makeTemplate(template: SuiteStep): (request?: SuiteStep) => SuiteStep {
  return (request = {}) => mergeDeep(mergeDeep({}, template), request);
}

function mergeDeep(target: SuiteStep, source: SuiteStep): SuiteStep {
  const t = target as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (Array.isArray(value)) {
      const existing = t[key];
      t[key] = (Array.isArray(existing) ? existing : []).concat(value);
    } else if (value !== null && typeof value === 'object') {
      t[key] = mergeDeep({ ...((t[key] as SuiteStep | undefined) ?? {}) }, value as SuiteStep);
    } else {
      t[key] = value;
    }
  }
  return target;
}

export const fresh = makeTemplate({
  response_headers: [
    ['Cache-Control', 'max-age=100000'],
    ['Date', 0],
  ],
  setup: true,
  pause_after: true,
});

export const stale = makeTemplate({
  response_headers: [
    ['Expires', -5000],
    ['Last-Modified', -100000],
    ['Date', 0],
  ],
  setup: true,
  pause_after: true,
});

export const becomeStale = makeTemplate({
  response_headers: [
    ['Cache-Control', 'max-age=2'],
    ['Date', 0],
    ['Template-A', '1'],
  ],
  setup: true,
  pause_after: true,
});

/**
 * lib/utils.mjs httpContent: a deterministic body per key. The suite also calls it with numeric
 * status codes, whose `.length` is undefined, which yields fifteen 'a's; that is kept.
 */
export function httpContent(key: string | number, contentLength = 15): string {
  let keySeed = 0;
  if (typeof key === 'string') for (let i = 0; i < key.length; i++) keySeed += key.charCodeAt(i);
  let content = '';
  for (let i = 0; i < contentLength; ++i) content += String.fromCharCode(((i * keySeed) % 26) + 97);
  return content;
}
