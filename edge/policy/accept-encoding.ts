/**
 * Accept-Encoding normalized to the one content coding this edge will let the origin choose:
 * `br`, `gzip` or `identity`. Browsers send dozens of spellings ("gzip, deflate, br, zstd",
 * "br;q=1.0, gzip;q=0.8, *;q=0.1", …); a response with `Vary: Accept-Encoding` would otherwise be
 * stored once per spelling (RFC 9111 §4.1 compares the values as sent). The normalized value is
 * also what is forwarded, so the secondary key is exactly what the origin saw.
 *
 * RFC 9110 §12.5.3: each coding may carry a weight; q=0 means "not acceptable"; `*` matches any
 * coding not listed; `x-gzip` is gzip (§8.4.1.3). An empty field value means only identity. No
 * field at all means "anything": normalized to identity too, since clients that send none (curl,
 * scripts) are the ones least likely to decode, and a fourth variant would defeat the point.
 */
export type NormalizedEncoding = 'br' | 'gzip' | 'identity';

/** br before gzip on equal weight: smaller bodies, and every browser that sends br decodes it. */
const PREFERENCE: readonly Exclude<NormalizedEncoding, 'identity'>[] = ['br', 'gzip'];

export function normalizeAcceptEncoding(value: string | undefined): NormalizedEncoding {
  if (value === undefined) return 'identity';
  const weights = new Map<string, number>();
  for (const member of value.split(',')) {
    const [rawCoding = '', ...params] = member.split(';');
    let coding = rawCoding.trim().toLowerCase();
    if (coding === '') continue;
    if (coding === 'x-gzip') coding = 'gzip';
    let q = 1;
    for (const param of params) {
      const [name = '', weight = ''] = param.split('=');
      if (name.trim().toLowerCase() !== 'q') continue;
      const parsed = Number(weight.trim());
      // A malformed weight makes the member unusable rather than guessing what was meant.
      q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(weight) ? parsed : 0;
    }
    // A coding listed twice keeps its highest weight.
    weights.set(coding, Math.max(q, weights.get(coding) ?? 0));
  }
  const star = weights.get('*');
  let best: NormalizedEncoding = 'identity';
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    const q = weights.get(coding) ?? star ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
