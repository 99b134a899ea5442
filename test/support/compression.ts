/** Edge compression options for tests: gzip and br with the documented defaults, compressed synchronously (deterministic). */
import { syncCompressor } from '../../common/sync-compressor.js';
import { COMPRESSION_QUEUE_DEFAULTS, type CompressionOptions } from '../../edge/pipeline/compressed-variants.js';
import { COMPRESSION_DEFAULTS } from '../../edge/policy/compression.js';

export function compressionOn(overrides: Partial<CompressionOptions> = {}): CompressionOptions {
  return { codings: ['gzip', 'br'], ...COMPRESSION_DEFAULTS, ...COMPRESSION_QUEUE_DEFAULTS, compressor: syncCompressor, ...overrides };
}
