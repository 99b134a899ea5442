/**
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1). Pure: fed buffers, it
 * returns the data slices it found and how many bytes it used; what follows the last chunk's
 * trailer section belongs to the next request. Strict: hex sizes only (at most 13 digits),
 * extensions must follow the grammar and stay under `maxExtensionBytes` per chunk, trailer fields
 * are validated like header fields and bounded by `maxTrailerBytes`, line ends are CRLF.
 */

export interface ChunkedLimits {
  /** Bytes of chunk extensions on one chunk-size line (400 beyond). */
  maxExtensionBytes: number;
  /** Bytes of the trailer section (400 beyond). */
  maxTrailerBytes: number;
}

export const DEFAULT_CHUNKED_LIMITS: ChunkedLimits = Object.freeze({ maxExtensionBytes: 1024, maxTrailerBytes: 8 * 1024 });

export type DecodeResult = { ok: true; chunks: Buffer[]; consumed: number; done: boolean } | { ok: false; reason: string };

type State = 'size' | 'line' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done';

// `;name[=token|quoted-string]`, repeated (RFC 9112 §7.1.1). The grammar allows whitespace (BWS)
// around ';' and '='; node:http rejects it, and so do we: no client we serve needs it.
const EXTENSIONS = /^(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?)*$/;
const TRAILER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t \x21-\x7e\x80-\xff]*$/;

export class ChunkedDecoder {
  private state: State = 'size';
  private sizeDigits = 0;
  private size = 0;
  private remaining = 0;
  /** The rest of the current size line (extensions) or trailer line, as latin1. */
  private line = '';
  private trailerBytes = 0;

  constructor(private readonly limits: ChunkedLimits = DEFAULT_CHUNKED_LIMITS) {}

  get done(): boolean {
    return this.state === 'done';
  }

  decode(buf: Buffer): DecodeResult {
    const chunks: Buffer[] = [];
    let i = 0;
    while (i < buf.length && this.state !== 'done') {
      const b = buf[i]!;
      switch (this.state) {
        case 'size': {
          const digit = hexValue(b);
          if (digit >= 0) {
            if (++this.sizeDigits > 13) return { ok: false, reason: 'chunk size too large' };
            this.size = this.size * 16 + digit;
            i++;
          } else {
            if (this.sizeDigits === 0) return { ok: false, reason: 'invalid chunk size' };
            this.state = 'line';
            this.line = '';
          }
          break;
        }
        case 'line': {
          const cr = buf.indexOf(0x0d, i);
          const stop = cr < 0 ? buf.length : cr;
          this.line += buf.toString('latin1', i, stop);
          if (this.line.length > this.limits.maxExtensionBytes) return { ok: false, reason: 'oversized chunk extension' };
          if (this.line.includes('\n')) return { ok: false, reason: 'bare LF in chunk size line' };
          i = stop;
          if (cr < 0) break;
          if (cr + 1 >= buf.length) return { ok: true, chunks, consumed: i, done: false }; // CR without its LF yet: keep it
          if (buf[cr + 1] !== 0x0a) return { ok: false, reason: 'bare CR in chunk size line' };
          if (!EXTENSIONS.test(this.line)) return { ok: false, reason: 'invalid chunk extension' };
          i = cr + 2;
          if (this.size === 0) {
            this.state = 'trailer';
            this.line = '';
          } else {
            this.state = 'data';
            this.remaining = this.size;
          }
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          chunks.push(buf.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (b !== 0x0d) return { ok: false, reason: 'chunk data not followed by CRLF' };
          this.state = 'data-lf';
          i++;
          break;
        case 'data-lf':
          if (b !== 0x0a) return { ok: false, reason: 'chunk data not followed by CRLF' };
          this.state = 'size';
          this.size = 0;
          this.sizeDigits = 0;
          i++;
          break;
        case 'trailer': {
          const cr = buf.indexOf(0x0d, i);
          const stop = cr < 0 ? buf.length : cr;
          this.line += buf.toString('latin1', i, stop);
          this.trailerBytes += stop - i;
          if (this.trailerBytes > this.limits.maxTrailerBytes) return { ok: false, reason: 'trailer section too large' };
          if (this.line.includes('\n')) return { ok: false, reason: 'bare LF in trailer' };
          i = stop;
          if (cr < 0) break;
          if (cr + 1 >= buf.length) return { ok: true, chunks, consumed: i, done: false };
          if (buf[cr + 1] !== 0x0a) return { ok: false, reason: 'bare CR in trailer' };
          i = cr + 2;
          this.trailerBytes += 2;
          if (this.line === '') {
            this.state = 'done';
          } else {
            if (!TRAILER_LINE.test(this.line)) return { ok: false, reason: 'invalid trailer field' };
            this.line = '';
          }
          break;
        }
        default: {
          const impossible: 'done' = this.state;
          throw new Error(`chunked decoder in state ${String(impossible)}`);
        }
      }
    }
    return { ok: true, chunks, consumed: i, done: this.state === 'done' };
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}
