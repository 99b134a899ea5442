/**
 * The synthetic origin's configuration. Every field has a default so `{}` is a valid config;
 * `routes` give path prefixes their own caching headers (query parameters still win per request).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Bodies are generated in memory, so a request may not ask for more than this. */
export const MAX_BODY_SIZE_BYTES = 64 * 1024 * 1024;
/** Node's setTimeout fires at once for delays above 2^31-1 ms; an hour is plenty for a test origin. */
export const MAX_LATENCY_MS = 3_600_000;

/** A header field value (RFC 9110 §5.5): no control characters, so node can always send it. */
const FieldValue = (description?: string) =>
  Type.String({ pattern: '^[\\t\\x20-\\x7e\\x80-\\xff]*$', ...(description === undefined ? {} : { description }) });

export const OriginRouteSchema = Type.Object(
  {
    prefix: Type.String({ pattern: '^/', description: 'path prefix; the longest matching prefix applies' }),
    cacheControl: Type.Optional(FieldValue("Cache-Control value; '' sends none")),
    cdnCacheControl: Type.Optional(FieldValue('CDN-Cache-Control value (RFC 9213)')),
    expiresSeconds: Type.Optional(Type.Number({ description: 'Expires = now + this many seconds' })),
    vary: Type.Optional(FieldValue()),
    surrogateKey: Type.Optional(FieldValue()),
    setCookie: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    sizeBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_BODY_SIZE_BYTES })),
    latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS })),
    etag: Type.Optional(Type.Union([Type.Literal('strong'), Type.Literal('weak'), Type.Literal('none')])),
    lastModified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const OriginConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
    adminToken: Type.Optional(Type.String({ minLength: 1 })),
    latencyMs: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS, default: 0 }),
    failureRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    routes: Type.Array(OriginRouteSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type OriginRoute = Static<typeof OriginRouteSchema>;
export type OriginConfig = Static<typeof OriginConfigSchema>;

/**
 * Fills defaults into a partial config and validates it; for tests and the simulator, which
 * build configs in code rather than through the flag loader. Throws on an invalid config.
 */
export function resolveOriginConfig(input: Partial<OriginConfig> = {}): OriginConfig {
  const withDefaults = Value.Default(OriginConfigSchema, structuredClone(input));
  const first = Value.Errors(OriginConfigSchema, withDefaults).First();
  if (first !== undefined) throw new Error(`origin config ${first.path || '(root)'}: ${first.message}`);
  return withDefaults as OriginConfig;
}
