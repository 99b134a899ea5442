/** The access log's part of the edge configuration: schema, documented defaults and flags. */
import { Type } from '@sinclair/typebox';
import type { FlagSpec } from '../../common/config-loader.js';
import { ACCESS_LOG_DEFAULTS } from './access-log.js';

export const AccessLogConfigSchema = Type.Object(
  {
    /** Absent: no access log. `stderr`, or a file path opened for appending (reopened on SIGHUP). */
    target: Type.Optional(Type.String({ minLength: 1, description: 'stderr or a file path' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('combined')], { default: 'json', description: 'one of json, combined' }),
    maxQueued: Type.Integer({ default: ACCESS_LOG_DEFAULTS.maxQueued, minimum: 1, maximum: 1_000_000 }),
    flushDelayMs: Type.Integer({ default: ACCESS_LOG_DEFAULTS.flushDelayMs, minimum: 0, maximum: 10_000 }),
  },
  { default: {}, additionalProperties: false },
);

export const ACCESS_LOG_FLAGS: readonly FlagSpec[] = [
  { flag: 'access-log', field: 'accessLog.target', type: 'string', env: 'EDGE_ACCESS_LOG', help: 'one line per request to FILE (reopened on SIGHUP) or stderr (default: off)' },
  { flag: 'access-log-format', field: 'accessLog.format', type: 'string', env: 'EDGE_ACCESS_LOG_FORMAT', help: 'json or combined (default json)' },
];
