/** Accept-Encoding normalized to br, gzip or identity (RFC 9110 §12.5.3, §8.4.1.3). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeAcceptEncoding, type NormalizedEncoding } from '../../../edge/policy/accept-encoding.js';

const rows: Array<[string, string | undefined, NormalizedEncoding]> = [
  ['the issue\'s mix, 60%: Chrome/Firefox with zstd (Node 20 zlib has none) → br', 'gzip, deflate, br, zstd', 'br'],
  ['the issue\'s mix, 25%: no zstd → br', 'gzip, deflate, br', 'br'],
  ['the issue\'s mix, 10%: weights; br has the highest → br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'br'],
  ['the issue\'s mix, 5%: gzip only', 'gzip', 'gzip'],
  ['§12.5.3: the higher weight wins', 'br;q=0.5, gzip;q=0.9', 'gzip'],
  ['equal weights: br preferred', 'gzip;q=0.7, br;q=0.7', 'br'],
  ['§12.5.3: q=0 means not acceptable', 'br;q=0, gzip', 'gzip'],
  ['§12.5.3: * matches codings not listed', '*', 'br'],
  ['§12.5.3: * with q=0 and nothing else listed: identity', '*;q=0', 'identity'],
  ['§12.5.3: a listed q=0 beats *', 'br;q=0, *;q=0.5', 'gzip'],
  ['§8.4.1.3: x-gzip is gzip', 'x-gzip', 'gzip'],
  ['case-insensitive codings and parameter names', 'GZIP;Q=0.5', 'gzip'],
  ['only codings we do not choose (deflate, zstd, compress): identity', 'deflate, zstd, compress', 'identity'],
  ['§12.5.3: an empty value means identity only', '', 'identity'],
  ['no field: identity (see the module comment)', undefined, 'identity'],
  ['identity asked for explicitly', 'identity', 'identity'],
  ['a malformed weight makes its member unacceptable', 'br;q=high, gzip;q=0.2', 'gzip'],
  ['a weight above 1 is malformed', 'br;q=2, gzip', 'gzip'],
  ['a coding listed twice keeps its highest weight', 'br;q=0.1, gzip;q=0.5, br;q=0.9', 'br'],
  ['whitespace around members and parameters', '  gzip ; q=0.3 ,br ;q=0.2 ', 'gzip'],
];
for (const [why, value, expected] of rows) {
  test(why, () => assert.is(normalizeAcceptEncoding(value), expected));
}

test.run();
