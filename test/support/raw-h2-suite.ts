/**
 * A uvu suite for raw HTTP/2 tests against a TLS edge: a test PKI for the whole suite, and after
 * each test the raw connection and the edge are closed.
 */
import { suite } from 'uvu';
import type { RawH2 } from './h2-frames.js';
import type { HttpsEdge } from './https-edge.js';
import { createTestPki, type TestCertificate, type TestPki } from './test-certificates.js';

export type RawH2Ctx = { pki: TestPki; localhost: TestCertificate; h?: HttpsEdge; raw?: RawH2 };

export function rawH2Suite(name: string) {
  const s = suite<RawH2Ctx>(name);
  s.before((ctx) => {
    ctx.pki = createTestPki();
    ctx.localhost = ctx.pki.issue('localhost');
  });
  s.after((ctx) => ctx.pki.remove());
  s.after.each(async (ctx) => {
    ctx.raw?.socket.destroy();
    ctx.raw = undefined;
    await ctx.h?.close();
    ctx.h = undefined;
  });
  return s;
}
