/**
 * The Compressor the simulator and tests use: zlib's synchronous calls, so a compression
 * completes within the turn that asked for it and a seeded run replays exactly. Pure
 * computation, no I/O; the binary uses the threadpool one (common/adapters/zlib-compressor.ts).
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Compressor, ContentCoding } from './ports.js';

export const syncCompressor: Compressor = {
  compress(coding: ContentCoding, body: Buffer, brotliQuality: number): Promise<Buffer> {
    return Promise.resolve(coding === 'gzip' ? gzipSync(body) : brotliCompressSync(body, brotliOptions(body.length, brotliQuality)));
  },
};

/** Quality bounds CPU; the size hint lets brotli pick its window for the body at hand. */
export function brotliOptions(sizeBytes: number, quality: number) {
  return { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: sizeBytes } };
}
