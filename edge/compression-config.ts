/** The edge's own compression (--compress) in the configuration: schema, documented defaults and flags. */
import { Type, type Static } from '@sinclair/typebox';
import type { FlagSpec } from '../common/config-loader.js';
import type { Compressor } from '../common/ports.js';
import { COMPRESSION_QUEUE_DEFAULTS, type CompressionOptions } from './pipeline/compressed-variants.js';
import { COMPRESSION_DEFAULTS } from './policy/compression.js';

export const CompressConfigSchema = Type.Object(
  {
    /** Codings the edge produces; empty (the default): off, responses pass as the origin sent them. */
    encodings: Type.Array(Type.Union([Type.Literal('gzip'), Type.Literal('br')], { description: 'gzip or br' }), {
      default: [],
      maxItems: 2,
      uniqueItems: true,
      description: 'a list of gzip, br',
    }),
    minBytes: Type.Integer({ default: COMPRESSION_DEFAULTS.minBytes, minimum: 0, maximum: 1024 * 1024 * 1024 }),
    maxBytes: Type.Integer({ default: COMPRESSION_DEFAULTS.maxBytes, minimum: 1, maximum: 64 * 1024 * 1024 }),
    types: Type.Array(Type.String({ pattern: '^[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\\*)$', description: 'a lower-case media type, type/subtype or type/*' }), {
      default: [...COMPRESSION_DEFAULTS.types],
      maxItems: 256,
    }),
    brotliQuality: Type.Integer({ default: COMPRESSION_DEFAULTS.brotliQuality, minimum: 0, maximum: 11 }),
    maxConcurrent: Type.Integer({ default: COMPRESSION_QUEUE_DEFAULTS.maxConcurrent, minimum: 1, maximum: 64 }),
    maxQueued: Type.Integer({ default: COMPRESSION_QUEUE_DEFAULTS.maxQueued, minimum: 0, maximum: 100_000 }),
  },
  { default: {}, additionalProperties: false },
);

export type CompressConfig = Static<typeof CompressConfigSchema>;

/** `gzip,br` → ['gzip', 'br']; the schema says what is wrong with anything else. */
function commaList(raw: string): unknown {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const COMPRESS_FLAGS: readonly FlagSpec[] = [
  { flag: 'compress', field: 'compress.encodings', type: 'string', env: 'EDGE_COMPRESS', parse: commaList, help: 'codings the edge produces itself, e.g. gzip,br; the origin is then asked for identity (default: off)' },
  { flag: 'compress-min-bytes', field: 'compress.minBytes', type: 'integer', env: 'EDGE_COMPRESS_MIN_BYTES', help: `smaller bodies are not compressed (default ${COMPRESSION_DEFAULTS.minBytes})` },
  { flag: 'compress-max-bytes', field: 'compress.maxBytes', type: 'integer', env: 'EDGE_COMPRESS_MAX_BYTES', help: `larger bodies are not compressed, bounding CPU per fill (default ${COMPRESSION_DEFAULTS.maxBytes})` },
  { flag: 'compress-types', field: 'compress.types', type: 'string', env: 'EDGE_COMPRESS_TYPES', parse: commaList, help: 'media types compressed, comma-separated, type/* allowed (default text/*, application/json, application/javascript, application/xml, image/svg+xml, ...)' },
  { flag: 'compress-brotli-quality', field: 'compress.brotliQuality', type: 'integer', env: 'EDGE_COMPRESS_BROTLI_QUALITY', help: `brotli quality 0-11 (default ${COMPRESSION_DEFAULTS.brotliQuality}: about gzip -6's CPU, 27-35% smaller)` },
];

/** The Edge's compression options, or undefined when off. */
export function compressionOptions(config: CompressConfig, compressor: Compressor): CompressionOptions | undefined {
  if (config.encodings.length === 0) return undefined;
  return {
    codings: config.encodings,
    minBytes: config.minBytes,
    maxBytes: config.maxBytes,
    types: config.types,
    brotliQuality: config.brotliQuality,
    maxConcurrent: config.maxConcurrent,
    maxQueued: config.maxQueued,
    compressor,
  };
}
