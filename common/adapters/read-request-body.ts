/** Reading a request body into memory with a byte bound, for the small admin and API bodies. */
import type { IncomingMessage } from 'node:http';

export type BodyResult = Uint8Array | undefined | 'too-large';

/**
 * Calls `done` once: with the body (undefined when empty), or 'too-large' as soon as the
 * declared or received length passes `maxBytes` (the rest is ignored, never buffered). A client
 * that goes away mid-body gets no call: there is nobody left to answer.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number, done: (body: BodyResult) => void): void {
  if (Number(req.headers['content-length'] ?? '0') > maxBytes) {
    done('too-large');
    return;
  }
  const chunks: Buffer[] = [];
  let totalBytes = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    totalBytes += chunk.length;
    if (totalBytes > maxBytes) {
      finished = true;
      chunks.length = 0;
      done('too-large');
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    done(totalBytes === 0 ? undefined : Buffer.concat(chunks));
  });
  req.on('error', () => {
    finished = true;
  });
}
