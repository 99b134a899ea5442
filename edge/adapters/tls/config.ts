/**
 * The HTTPS listener's part of the edge configuration: certificates (default and by SNI), the CA
 * for https peers and control planes, and the HTTP/2 limits, each with its documented default.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FlagSpec } from '../../../common/config-loader.js';

const PATH = Type.String({ minLength: 1, description: 'a file path' });

/** Bounds for HTTP/2 sessions; defaults as in README "TLS and HTTP/2". */
export const Http2LimitsSchema = Type.Object(
  {
    /** ALPN offers h2 before http/1.1; false offers http/1.1 only. */
    enabled: Type.Boolean({ default: true }),
    /**
     * Which HTTP/2 server layer serves the h2 connections: `node` (node:http2) or `own`
     * (edge/adapters/h2/own/: the edge's own frames, HPACK and flow control). The same limits apply to both.
     */
    server: Type.Union([Type.Literal('node'), Type.Literal('own')], { default: 'own', description: 'one of node, own' }),
    /** SETTINGS_MAX_CONCURRENT_STREAMS: streams one client may have open at once. */
    maxConcurrentStreams: Type.Integer({ default: 100, minimum: 1, maximum: 10_000 }),
    /** SETTINGS_MAX_HEADER_LIST_SIZE, and the HTTP/1.1 head limit over TLS: the same 16 KiB as the plain listener. */
    maxHeaderListBytes: Type.Integer({ default: 16 * 1024, minimum: 1024, maximum: 1024 * 1024 }),
    /** Header fields per request, as on HTTP/1.1. */
    maxHeaderListPairs: Type.Integer({ default: 100, minimum: 4, maximum: 10_000 }),
    /** SETTINGS_INITIAL_WINDOW_SIZE: request body bytes one stream may send before the edge reads them (RFC 9113 default). */
    streamWindowBytes: Type.Integer({ default: 65_535, minimum: 1024, maximum: 2 ** 31 - 1 }),
    /** Connection-level window: request body bytes all streams of a session may have in flight. */
    sessionWindowBytes: Type.Integer({ default: 1024 * 1024, minimum: 65_535, maximum: 2 ** 31 - 1 }),
    /** Malformed frames a session may send before it is closed. */
    maxSessionInvalidFrames: Type.Integer({ default: 100, minimum: 0, maximum: 100_000 }),
    /** Streams the edge may refuse (over maxConcurrentStreams) on one session before it is closed. */
    maxSessionRejectedStreams: Type.Integer({ default: 100, minimum: 0, maximum: 100_000 }),
    /** PINGs the edge has sent and the client not yet acknowledged. */
    maxOutstandingPings: Type.Integer({ default: 10, minimum: 1, maximum: 10_000 }),
    /** SETTINGS frames the edge has sent and the client not yet acknowledged. */
    maxOutstandingSettings: Type.Integer({ default: 10, minimum: 1, maximum: 10_000 }),
    /**
     * Memory one session may hold (frames queued, headers, buffered data). A client that floods
     * PINGs or SETTINGS and never reads their ACKs grows this queue: past it, new streams are
     * refused, and nghttp2 ends a session with over 1,000 queued ACKs (GOAWAY ENHANCE_YOUR_CALM).
     */
    maxSessionMemoryMiB: Type.Integer({ default: 10, minimum: 1, maximum: 1024 }),
    /** Rapid reset (CVE-2023-44487): streams a client may reset within resetWindowMs before GOAWAY ENHANCE_YOUR_CALM. */
    maxResetsPerWindow: Type.Integer({ default: 200, minimum: 1, maximum: 1_000_000 }),
    resetWindowMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 3_600_000 }),
    /**
     * PING and SETTINGS floods (CVE-2019-9512, CVE-2019-9515): PING and SETTINGS frames (not ACKs)
     * a client may send within controlFrameWindowMs before GOAWAY ENHANCE_YOUR_CALM. Browsers send
     * a handful per connection.
     */
    maxControlFramesPerWindow: Type.Integer({ default: 500, minimum: 2, maximum: 1_000_000 }),
    controlFrameWindowMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 3_600_000 }),
  },
  { default: {}, additionalProperties: false },
);

export type Http2Limits = Static<typeof Http2LimitsSchema>;

export const TlsConfigSchema = Type.Object(
  {
    /** Default certificate chain and key (PEM); required with httpsPort. */
    cert: Type.Optional(PATH),
    key: Type.Optional(PATH),
    /** Presented by SNI name; a name no entry lists gets the default. */
    certificates: Type.Array(
      Type.Object(
        {
          serverNames: Type.Array(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9.-]+$', description: 'a host name, or *. and a domain' }), { minItems: 1, maxItems: 1_000 }),
          cert: PATH,
          key: PATH,
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 10_000 },
    ),
    /** PEM CA bundle trusted (besides Node's) for https peers, origins and control planes. */
    caFile: Type.Optional(PATH),
  },
  { default: {}, additionalProperties: false },
);

export type TlsConfig = Static<typeof TlsConfigSchema>;

export const TLS_FLAGS: readonly FlagSpec[] = [
  { flag: 'https-port', field: 'httpsPort', type: 'integer', env: 'EDGE_HTTPS_PORT', help: 'also serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) on this port; needs --tls-cert and --tls-key (default: off)' },
  { flag: 'tls-cert', field: 'tls.cert', type: 'string', env: 'EDGE_TLS_CERT', help: 'default certificate chain, PEM file (reloaded on SIGHUP)' },
  { flag: 'tls-key', field: 'tls.key', type: 'string', env: 'EDGE_TLS_KEY', help: 'private key of --tls-cert, PEM file (reloaded on SIGHUP)' },
  { flag: 'h2-server', field: 'http2.server', type: 'string', env: 'EDGE_H2_SERVER', help: 'HTTP/2 layer of the HTTPS listener: own (the edge\'s own frames and HPACK) or node (node:http2, kept for comparison) (default own)' },
  { flag: 'ca-file', field: 'tls.caFile', type: 'string', env: 'EDGE_CA_FILE', help: 'PEM CA bundle trusted for https peers, origins and control planes (default: Node\'s CAs)' },
];
