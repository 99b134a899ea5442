/**
 * The field-line memo (field-line-memo.ts) changes how much work a head costs, never what it parses
 * to: a sequence of heads parsed with one memo (as one connection does) gives exactly what each
 * head gives parsed alone, accepted or rejected, for the same reason. The heads repeat, reorder and
 * mutate lines of a small pool, so lines are reused from the memo, in runs and alone, next to lines
 * that differ by one hostile byte.
 */
import fc from 'fast-check';
import { PROPERTY_SEED } from '../../property-settings.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldLineMemo, MEMO_MAX_HEAD_CHARS } from '../../../../edge/adapters/http1/field-line-memo.js';
import { parseRequestHead, type HeadResult, type ParserLimits } from '../../../../edge/adapters/http1/parser.js';
import { headerObject } from '../../../../edge/pipeline/incoming-request.js';

const POOL = [
  'Host: a.example',
  'Host: b.example',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
  'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  'Accept: text/html,application/xhtml+xml,*/*;q=0.8',
  'accept-language: en-GB,en;q=0.9',
  'Accept-Encoding:gzip, br  ',
  'Cookie: session=abc; theme=dark',
  'Cookie: session=abd; theme=dark',
  'X-Custom-Thing: \tvalue with tabs\t',
  'X-Other:',
  'Sec-Fetch-Mode: navigate',
  'Content-Length: 0',
  'Connection: keep-alive',
];

/** Bytes that break a line in every way the parser names: bare CR and LF, controls, whitespace before a colon, obs-text. */
const HOSTILE = ['\r', '\n', '\0', ' ', '\t', ':', '\x7f', '\xe9', 'a', '\r\n ', '\rZZ: 1', '\r\nZ: 1'];

const lineArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  {
    weight: 1,
    // Half the time at the end of the line: a remembered line followed by a hostile byte.
    arbitrary: fc.tuple(fc.constantFrom(...POOL), fc.nat(), fc.boolean(), fc.constantFrom(...HOSTILE)).map(([line, at, atEnd, b]) => {
      const i = atEnd ? line.length : at % (line.length + 1);
      return line.slice(0, i) + b + line.slice(i);
    }),
  },
);

const headArb = fc.tuple(fc.constantFrom('GET /a', 'GET /b?x=1', 'HEAD /c'), fc.array(lineArb, { maxLength: 8 })).map(([start, lines]) => `${start} HTTP/1.1\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`);

const LIMITS: ParserLimits = { maxHeadBytes: 16 * 1024, maxHeaderCount: 6 };
/** A head limit that many generated heads exceed: a head past it is a 431 with the memo too. */
const SMALL_HEAD: ParserLimits = { maxHeadBytes: 200, maxHeaderCount: 100 };

/** The field lines of an accepted head as [lower-cased name, value without surrounding SP and HTAB] pairs. */
const fieldsOf = (head: string): Array<[string, string]> =>
  head
    .slice(head.indexOf('\r\n') + 2, head.indexOf('\r\n\r\n') + 2)
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);

const aloneWith = (head: string, limits: ParserLimits): HeadResult => parseRequestHead(Buffer.from(head, 'latin1'), limits);
const alone = (head: string): HeadResult => aloneWith(head, LIMITS);

for (const [label, limits] of [['6 fields', LIMITS], ['200 bytes', SMALL_HEAD]] as const) test(`a sequence of heads parsed with one memo parses as each head alone (accepted, rejected, incomplete, and why), limit ${label}`, () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(headArb, fc.nat(), fc.boolean()), { minLength: 2, maxLength: 12 }), (heads) => {
      const memo = new FieldLineMemo();
      for (const [head, cut, pipelined] of heads) {
        // First the head as far as a read may have brought it (often to a line's end), as the connection parses it.
        const prefix = head.slice(0, cut % (head.length + 1));
        assert.equal(parseRequestHead(Buffer.from(prefix, 'latin1'), limits, memo), aloneWith(prefix, limits), JSON.stringify(prefix));
        // Then whole, alone or with the next request behind it.
        const bytes = pipelined ? `${head}GET /next HTTP/1.1\r\nHost: a\r\n\r\n` : head;
        const whole = parseRequestHead(Buffer.from(bytes, 'latin1'), limits, memo);
        assert.equal(whole, aloneWith(bytes, limits), JSON.stringify(bytes));
        // An accepted head's header object is node:http's combining of its field lines, split here the plain way.
        if (whole.kind === 'head') assert.equal({ ...whole.head.headers }, { ...headerObject(fieldsOf(head)) }, JSON.stringify(head));
      }
    }),
    { numRuns: 3_000, seed: PROPERTY_SEED },
  );
});

test('the same fields over and over, behind targets of different lengths: every line comes from the memo, with the same fields', () => {
  const memo = new FieldLineMemo();
  const fields = `${POOL.slice(2, 12).map((l) => `${l}\r\n`).join('')}Host: a\r\n\r\n`;
  for (let i = 0; i < 6; i++) {
    const head = `GET /${'x'.repeat(i)} HTTP/1.1\r\n${fields}`;
    const expected = parseRequestHead(Buffer.from(head, 'latin1'));
    assert.is(expected.kind, 'head');
    assert.equal(parseRequestHead(Buffer.from(head, 'latin1'), undefined, memo), expected);
    // From the third head on, every line was equal to its predecessor (and the run was found where it moved to).
    if (i >= 2) assert.ok(memo.stable.every((s) => s), `head ${i}`);
  }
  assert.is(memo.count, 11);
  assert.ok(memo.stable.every((s) => s), 'every line was equal to its predecessor');
});

test('values kept for stable lines follow every change: a kept line that changes, moves or comes back parses as alone', () => {
  const memo = new FieldLineMemo();
  const head = (cookie: string, agent: string, extra = ''): string =>
    `GET /p HTTP/1.1\r\nHost: a\r\nUser-Agent: ${agent}\r\nX-Thing-Long-Name: some long value here\r\n${extra}Cookie: ${cookie}\r\n\r\n`;
  const sequence = [
    head('s=1; theme=dark-and-long', 'agent one/1.0 (long enough)'),
    head('s=1; theme=dark-and-long', 'agent one/1.0 (long enough)'),
    head('s=1; theme=dark-and-long', 'agent one/1.0 (long enough)'), // every line kept from here
    head('s=2; theme=dark-and-long', 'agent one/1.0 (long enough)'), // a kept value changes, same length
    head('s=2; theme=dark-and-long', 'agent two/2.0 (long enough)'),
    head('s=2; theme=dark-and-long', 'agent two/2.0 (long enough)', 'Dnt: 1\r\n'), // a line inserted: the rest moves
    head('s=2; theme=dark-and-long', 'agent two/2.0 (long enough)', 'Dnt: 1\r\n'),
    head('s=2; theme=dark-and-long', 'agent two/2.0 (long enough)', 'Dnt: 1\r\n'),
    head('s=1; theme=dark-and-long', 'agent one/1.0 (long enough)'), // back to the first
    head('s=1; theme=dark-and-long', 'agent one/1.0 (long enough)'),
  ];
  for (const [i, h] of sequence.entries()) assert.equal(parseRequestHead(Buffer.from(h, 'latin1'), undefined, memo), alone(h), `head ${i}`);
  assert.ok(memo.values.some((v) => v !== undefined), 'no value was kept: the test does not reach the kept path');
});

test('a remembered line changed by one byte is checked again: a control character in a value is still a 400', () => {
  const memo = new FieldLineMemo();
  const ok = 'GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\nCookie: s=1\r\n\r\n';
  for (let i = 0; i < 3; i++) assert.is(parseRequestHead(Buffer.from(ok, 'latin1'), undefined, memo).kind, 'head');
  const bad = 'GET / HTTP/1.1\r\nHost: a\r\nAccept: text/h\x01ml\r\nCookie: s=1\r\n\r\n';
  assert.equal(parseRequestHead(Buffer.from(bad, 'latin1'), undefined, memo), { kind: 'reject', rejection: { status: 400, reason: 'invalid header value' } });
  // A bare CR right after a remembered line's bytes is a bare CR, not that line.
  const bareCr = 'GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\rX: 1\r\n\r\n';
  for (let i = 0; i < 3; i++) parseRequestHead(Buffer.from(ok, 'latin1'), undefined, memo);
  assert.equal(parseRequestHead(Buffer.from(bareCr, 'latin1'), undefined, memo), alone(bareCr));
  assert.is((alone(bareCr) as { rejection: { reason: string } }).rejection.reason, 'bare CR');
  // ... also when what follows the bare CR and one more byte would be a valid line.
  const bareCrThenLine = 'GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\rZZ: 1\r\nCookie: s=1\r\n\r\n';
  for (let i = 0; i < 3; i++) parseRequestHead(Buffer.from(ok, 'latin1'), undefined, memo);
  assert.equal(parseRequestHead(Buffer.from(bareCrThenLine, 'latin1'), undefined, memo), { kind: 'reject', rejection: { status: 400, reason: 'bare CR' } });
});

test('the memo keeps only the last head it parsed, and never a head longer than its bound', () => {
  const memo = new FieldLineMemo();
  const first = 'GET / HTTP/1.1\r\nHost: a\r\nCookie: one\r\n\r\n';
  const second = 'GET / HTTP/1.1\r\nHost: a\r\nCookie: two\r\n\r\n';
  parseRequestHead(Buffer.from(first, 'latin1'), undefined, memo);
  parseRequestHead(Buffer.from(second, 'latin1'), undefined, memo);
  assert.is(memo.text, second);
  // Every entry points into that one text: no line keeps an earlier head alive.
  for (let k = 0; k < memo.count; k++) assert.ok(second.slice(memo.starts[k], memo.ends[k]).includes(':'));
  const long = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(MEMO_MAX_HEAD_CHARS)}\r\n\r\n`;
  assert.is(parseRequestHead(Buffer.from(long, 'latin1'), undefined, memo).kind, 'head');
  assert.ok(memo.text.length <= MEMO_MAX_HEAD_CHARS, 'a head beyond the bound is parsed without the memo');
});

test('a rejected head clears the memo', () => {
  const memo = new FieldLineMemo();
  parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'latin1'), undefined, memo);
  parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nBad Name: 1\r\n\r\n', 'latin1'), undefined, memo);
  assert.is(memo.count, 0);
  assert.is(memo.text, '');
});

test.run();
