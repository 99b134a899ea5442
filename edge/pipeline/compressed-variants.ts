/**
 * The edge's own content negotiation (`--compress gzip,br`): the origin is asked for identity,
 * so a URL has one stored response whatever Accept-Encoding clients send, and the edge keeps
 * gzip and br copies of its body next to it (StoredResponse.variants), made once per fill
 * through the Compressor port. Rules for what is compressed and which copy a client gets are
 * in edge/policy/compression.ts.
 *
 * Compression runs at store time, inside the fill: the collapse lock already makes the fill
 * single-flight per key, so no two compressions of one variant run at once. Across keys a
 * burst of misses is bounded here: at most `maxConcurrent` compressions run, `maxQueued` wait,
 * and a fill that finds the queue full is stored without variants (served identity, counted).
 */
import { headerValue, requestHeader, type HeaderList, type RequestHeaders } from '../../common/http.js';
import type { Compressor, ContentCoding } from '../../common/ports.js';
import type { NormalizedEncoding } from '../policy/accept-encoding.js';
import { compressionPlan, servedCoding, variantEtag, varyWithAcceptEncoding, type CompressionSettings } from '../policy/compression.js';
import { Interner } from '../store/intern.js';
import type { EncodedVariant, StoredResponse } from '../store/stored-response.js';
import type { UpstreamExchange } from './build-stored.js';

export interface CompressionOptions extends CompressionSettings {
  compressor: Compressor;
  /** Compressions running at once (the binary's run on libuv's threadpool, 4 threads by default). */
  maxConcurrent: number;
  /** Compressions waiting for a slot; beyond this a fill is stored uncompressed. */
  maxQueued: number;
}

export const COMPRESSION_QUEUE_DEFAULTS = { maxConcurrent: 2, maxQueued: 256 } as const;

export interface CompressionCounts {
  /** Variants made. */
  compressed: number;
  /** Variants not made because the queue was full. */
  skipped: number;
  /** Variants dropped because they were no smaller than the identity body. */
  notSmaller: number;
  failed: number;
}

/** Fields describing the identity bytes exactly, which a compressed copy would contradict. */
const DROPPED = new Set(['content-md5', 'content-digest', 'repr-digest', 'digest']);

/** A compressed copy of a stored response: its own body, length, coding and ETag; freshness is the parent's. */
export class CompressedVariant implements EncodedVariant {
  readonly headerNames: readonly string[];
  readonly headerValues: string[];
  hitAnswer: object | undefined = undefined;
  touchedSecond = -1;
  readonly variants = undefined;

  constructor(
    private readonly parent: StoredResponse,
    readonly coding: ContentCoding,
    readonly body: Buffer,
    interner: Interner,
  ) {
    const names: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < parent.headerNames.length; i++) {
      const name = parent.headerNames[i]!;
      let value: string | undefined = parent.headerValues[i]!;
      if (DROPPED.has(name)) continue;
      if (name === 'content-length') {
        names.push('content-encoding');
        values.push(coding);
        value = String(body.length);
      } else if (name === 'etag') {
        value = variantEtag(value, coding);
        if (value === undefined) continue;
      }
      names.push(name);
      values.push(value);
    }
    this.headerNames = interner.names(names, names.length);
    this.headerValues = values;
  }

  get status(): number {
    return this.parent.status;
  }
  get storedAtMonoMs(): number {
    return this.parent.storedAtMonoMs;
  }
  get initialAgeMs(): number {
    return this.parent.initialAgeMs;
  }
  /** The parent's, so a soft purge of the stored response reaches every coding of it. */
  get freshUntilMonoMs(): number {
    return this.parent.freshUntilMonoMs;
  }
  set freshUntilMonoMs(ms: number) {
    this.parent.freshUntilMonoMs = ms;
  }
  get noCache(): boolean {
    return this.parent.noCache;
  }
  get mustRevalidate(): boolean {
    return this.parent.mustRevalidate;
  }
  get staleWhileRevalidateMs(): number {
    return this.parent.staleWhileRevalidateMs;
  }
  set staleWhileRevalidateMs(ms: number) {
    this.parent.staleWhileRevalidateMs = ms;
  }
  get staleIfErrorMs(): number {
    return this.parent.staleIfErrorMs;
  }
  get varyNames(): readonly string[] {
    return this.parent.varyNames;
  }
  get varyValues(): ReadonlyArray<string | undefined> {
    return this.parent.varyValues;
  }
  get surrogateKeys(): readonly string[] {
    return this.parent.surrogateKeys;
  }
}

/**
 * What to serve this request from a stored response: the variant in the coding its (normalized)
 * Accept-Encoding names, or the response itself. One property check when there are no variants.
 */
export function variantFor(stored: StoredResponse, headers: RequestHeaders): StoredResponse {
  const variants = stored.variants;
  if (variants === undefined) return stored;
  const wanted = requestHeader(headers, 'accept-encoding') as NormalizedEncoding | undefined;
  const coding = servedCoding(wanted, variants, requestHeader(headers, 'cache-control'));
  if (coding === 'identity') return stored;
  return variants.find((v) => v.coding === coding) ?? stored;
}

export class EdgeCompression {
  readonly counts: CompressionCounts = { compressed: 0, skipped: 0, notSmaller: 0, failed: 0 };
  private running = 0;
  private readonly queue: Array<() => void> = [];

  /** `interner`: the edge's own (intern.ts), so variants share header-name arrays per edge only. */
  constructor(
    private readonly o: CompressionOptions,
    private readonly interner: Interner = new Interner(),
  ) {}

  /** The origin is asked for identity: the edge produces the codings, so the key has one entry. */
  originHeaders(headers: HeaderList): HeaderList {
    const out: HeaderList = headers.filter(([name]) => name !== 'accept-encoding');
    out.push(['accept-encoding', 'identity']);
    return out;
  }

  /**
   * The origin's exchange as it is stored: its request is the identity one the origin was sent
   * (the key and the wire agree), and a response the edge will compress says Vary: Accept-Encoding.
   */
  prepare(exchange: UpstreamExchange, bodyBytes: number): { exchange: UpstreamExchange; codings: readonly ContentCoding[] } {
    const requestHeaders = { ...exchange.requestHeaders, 'accept-encoding': 'identity' };
    const h = exchange.headers;
    const plan = compressionPlan(
      {
        status: exchange.status,
        contentEncoding: headerValue(h, 'content-encoding'),
        cacheControl: headerValue(h, 'cache-control'),
        contentRange: headerValue(h, 'content-range'),
        contentType: headerValue(h, 'content-type'),
        bodyBytes,
      },
      this.o,
    );
    if (!plan.compress) return { exchange: { ...exchange, requestHeaders }, codings: [] };
    const vary = varyWithAcceptEncoding(headerValue(h, 'vary'));
    const headers: HeaderList = h.filter(([name]) => name !== 'vary');
    headers.push(['vary', vary]);
    return { exchange: { ...exchange, requestHeaders, headers }, codings: plan.codings };
  }

  /**
   * Makes `response`'s variants. A revalidated response (`previous` with the same body) reuses
   * the compressed bytes it had rather than compressing again.
   */
  async attach(response: StoredResponse, codings: readonly ContentCoding[], previous: StoredResponse | undefined): Promise<void> {
    const variants: EncodedVariant[] = [];
    for (const coding of codings) {
      const reused = previous !== undefined && previous.body === response.body ? previous.variants?.find((v) => v.coding === coding)?.body : undefined;
      const bytes = reused ?? (await this.compress(coding, response.body));
      if (bytes === undefined) continue;
      // A coding that does not shrink the body only costs the client a decode.
      if (bytes.length >= response.body.length) {
        this.counts.notSmaller++;
        continue;
      }
      variants.push(new CompressedVariant(response, coding, bytes, this.interner));
    }
    if (variants.length > 0) response.variants = variants;
  }

  private async compress(coding: ContentCoding, body: Buffer): Promise<Buffer | undefined> {
    if (this.running >= this.o.maxConcurrent) {
      if (this.queue.length >= this.o.maxQueued) {
        this.counts.skipped++;
        return undefined;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      const out = await this.o.compressor.compress(coding, body, this.o.brotliQuality);
      this.counts.compressed++;
      return out;
    } catch {
      this.counts.failed++;
      return undefined;
    } finally {
      // The slot passes straight to the next waiter, so `running` never over-counts.
      const next = this.queue.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}
