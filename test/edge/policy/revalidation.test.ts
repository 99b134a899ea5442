import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import {
  conditionalRequestHeaders,
  mergeNotModified,
  notModifiedSelects,
  type StoredValidators,
} from '../../../edge/policy/revalidation.js';

const condRows: Array<{ why: string; stored: StoredValidators; expected: HeaderList }> = [
  {
    why: 'RFC 9111 §4.3.1: ETag and Last-Modified become If-None-Match and If-Modified-Since',
    stored: { etag: '"abc"', lastModified: 'Sun, 06 Nov 1994 08:49:37 GMT' },
    expected: [['if-none-match', '"abc"'], ['if-modified-since', 'Sun, 06 Nov 1994 08:49:37 GMT']],
  },
  { why: 'RFC 9111 §4.3.1: a weak ETag is sent verbatim', stored: { etag: 'W/"abc"', lastModified: undefined }, expected: [['if-none-match', 'W/"abc"']] },
  {
    why: 'RFC 9111 §4.3.1: Last-Modified in an obsolete form is echoed verbatim, not reformatted',
    stored: { etag: undefined, lastModified: 'Sunday, 06-Nov-94 08:49:37 GMT' },
    expected: [['if-modified-since', 'Sunday, 06-Nov-94 08:49:37 GMT']],
  },
  { why: 'RFC 9111 §4.3.1: an odd but stored ETag is echoed verbatim', stored: { etag: '"a b, c"', lastModified: undefined }, expected: [['if-none-match', '"a b, c"']] },
  { why: 'RFC 9111 §4.3.1: no validators → no conditional fields', stored: { etag: undefined, lastModified: undefined }, expected: [] },
];

for (const row of condRows) {
  test(row.why, () => {
    assert.equal(conditionalRequestHeaders(row.stored), row.expected);
  });
}

const mergeRows: Array<{ why: string; stored: HeaderList; notModified: HeaderList; expected: HeaderList }> = [
  {
    why: 'RFC 9111 §3.2: 304 fields (Test-Header, Cache-Control) replace stored ones; others are kept; Content-Length is not updated',
    stored: [['content-type', 'text/plain'], ['test-header', 'A'], ['cache-control', 'max-age=1'], ['content-length', '10']],
    notModified: [['test-header', 'B'], ['cache-control', 'max-age=3600'], ['content-length', '0']],
    expected: [['content-type', 'text/plain'], ['content-length', '10'], ['test-header', 'B'], ['cache-control', 'max-age=3600']],
  },
  {
    why: 'RFC 9111 §3.2: a 304 field replaces every stored line of that name',
    stored: [['x-a', '1'], ['x-b', 'keep'], ['x-a', '2']],
    notModified: [['x-a', '3']],
    expected: [['x-b', 'keep'], ['x-a', '3']],
  },
  {
    why: 'RFC 9111 §3.2: a 304 field with several lines keeps all of them',
    stored: [['x-a', '1']],
    notModified: [['x-a', '2'], ['x-a', '3']],
    expected: [['x-a', '2'], ['x-a', '3']],
  },
  {
    why: 'RFC 9111 §3.2: new fields in the 304 are added',
    stored: [['etag', '"v1"']],
    notModified: [['x-new', 'n'], ['etag', '"v1"']],
    expected: [['x-new', 'n'], ['etag', '"v1"']],
  },
  {
    why: 'RFC 9111 §3.2: hop-by-hop and Connection-listed fields in the 304 are not merged',
    stored: [['etag', '"v1"']],
    notModified: [['connection', 'X-Hop'], ['x-hop', '1'], ['keep-alive', 'timeout=5'], ['transfer-encoding', 'chunked'], ['date', 'Mon, 01 Jan 2024 12:00:00 GMT']],
    expected: [['etag', '"v1"'], ['date', 'Mon, 01 Jan 2024 12:00:00 GMT']],
  },
  {
    why: 'RFC 9111 §3.2: Content-Length, Content-Encoding and Content-Range describe the stored body and are not updated',
    stored: [['content-length', '10'], ['content-encoding', 'gzip']],
    notModified: [['content-length', '99'], ['content-encoding', 'br'], ['content-range', 'bytes 0-1/2']],
    expected: [['content-length', '10'], ['content-encoding', 'gzip']],
  },
  {
    why: 'RFC 9111 §3.2: a 304 without fields changes nothing',
    stored: [['a', '1'], ['b', '2']],
    notModified: [],
    expected: [['a', '1'], ['b', '2']],
  },
];

for (const row of mergeRows) {
  test(row.why, () => {
    assert.equal(mergeNotModified(row.stored, row.notModified), row.expected);
  });
}

const selectRows: Array<{ why: string; storedEtag: string | undefined; notModified: HeaderList; expected: boolean }> = [
  { why: 'RFC 9111 §4.3.4: 304 without an ETag updates the response we validated', storedEtag: '"v1"', notModified: [], expected: true },
  { why: 'RFC 9111 §4.3.4: 304 with the same strong ETag selects the stored response', storedEtag: '"v1"', notModified: [['etag', '"v1"']], expected: true },
  { why: 'RFC 9111 §4.3.4: 304 with a different ETag does not select it', storedEtag: '"v1"', notModified: [['etag', '"v2"']], expected: false },
  { why: 'RFC 9111 §4.3.4: 304 with a weak ETag matching a weak stored tag selects it', storedEtag: 'W/"v1"', notModified: [['etag', 'W/"v1"']], expected: true },
  { why: 'RFC 9111 §4.3.4: 304 ETag when nothing was stored with one updates the validated response', storedEtag: undefined, notModified: [['etag', '"v2"']], expected: true },
];

for (const row of selectRows) {
  test(row.why, () => {
    assert.is(notModifiedSelects(row.storedEtag, row.notModified), row.expected);
  });
}

test.run();
