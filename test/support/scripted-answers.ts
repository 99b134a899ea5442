/**
 * Answers a scripted Transport hands back, and an edge answer's body as text: for pipeline tests
 * that drive a real Edge through a transport they script, so ordering needs no sockets or sleeps.
 */
import type { OutboundResponse } from '../../common/ports.js';
import type { EdgeResponse } from '../../edge/pipeline/types.js';

/** An upstream answer with `headers` plus its Content-Length, and `body` (none when empty). */
export function scriptedAnswer(status: number, headers: Array<[string, string]>, body = ''): OutboundResponse {
  const bytes = Buffer.from(body);
  return {
    status,
    headers: [...headers, ['content-length', String(bytes.length)]],
    body: (async function* () {
      if (bytes.length > 0) yield bytes;
    })(),
    discard: () => undefined,
  };
}

/** The whole body of an edge's answer, as text. */
export async function bodyText(res: EdgeResponse | Promise<EdgeResponse>): Promise<string> {
  const r = await res;
  if (r.body === undefined) return '';
  if (Buffer.isBuffer(r.body)) return r.body.toString();
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
}
