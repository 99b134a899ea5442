/**
 * The binary's Compressor: zlib's async calls, which run on libuv's threadpool, so a 1 MiB
 * brotli pass does not hold the event loop. How many run at once is bounded by the caller
 * (edge/pipeline/compressed-variants.ts), not here.
 */
import { promisify } from 'node:util';
import { brotliCompress, gzip } from 'node:zlib';
import type { Compressor, ContentCoding } from '../ports.js';
import { brotliOptions } from '../sync-compressor.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export const threadpoolCompressor: Compressor = {
  compress(coding: ContentCoding, body: Buffer, brotliQuality: number): Promise<Buffer> {
    return coding === 'gzip' ? gzipAsync(body) : brotliAsync(body, brotliOptions(body.length, brotliQuality));
  },
};
