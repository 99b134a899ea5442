/**
 * What the purge log's bytes mean: a header naming the log and the seq its records follow, then
 * purge records in dense seq order. Reads today's format (2, framed: see frames.ts) and the
 * JSON-lines format 1 that earlier versions wrote, which is migrated on first start.
 */
import { Value } from '@sinclair/typebox/value';
import { PurgeRecordSchema, type PurgeRecord } from '../../common/control-protocol.js';
import { encodeFrame, scanFrames, type DroppedTail } from './frames.js';

export const LOG_FORMAT = 2;

export interface LogHeader {
  logId: string;
  /** The seq before this file's first record (0 for a new log; higher after compaction or a new log id). */
  afterSeq: number;
}

/** A purge as the log keeps it: the record edges get, plus what only the control plane needs. */
export interface StoredPurge {
  record: PurgeRecord;
  idempotencyKey?: string;
  /**
   * A placeholder for a seq whose purge was lost (acknowledged, then cut from the log by a crash
   * or damage). It keeps seqs dense; its record is a hard purge of everything, the safe reading
   * of "some purge, unknown", though no stream ever sends it (see DurablePurgeLog.open).
   */
  lost?: true;
}

export type ParsedLog =
  | { kind: 'empty' }
  /** Damage with whole records after it: not what a crash leaves. `records` is the good prefix. */
  | { kind: 'damaged'; format: 1 | 2; offset: number; reason: string; header: LogHeader | undefined; records: StoredPurge[] }
  | {
      kind: 'log';
      format: 1 | 2;
      /** Undefined when the only record, the header itself, was cut. */
      header: LogHeader | undefined;
      records: StoredPurge[];
      /** A torn or corrupted last record (or junk after it) that was left out. */
      dropped: DroppedTail | undefined;
      /** The bytes differ from what this version would write (dropped tail, missing newline, old format). */
      needsRewrite: boolean;
    };

export function encodeHeader(header: LogHeader): Buffer {
  return encodeFrame({ purgeLog: LOG_FORMAT, logId: header.logId, afterSeq: header.afterSeq });
}

export function encodePurge(stored: StoredPurge): Buffer {
  if (stored.lost === true) return encodeFrame({ purge: stored.record, lost: true });
  return encodeFrame(stored.idempotencyKey === undefined ? { purge: stored.record } : { purge: stored.record, idempotencyKey: stored.idempotencyKey });
}

/** The whole file for a header and its records (creation, compaction, repair). */
export function encodeLog(header: LogHeader, records: readonly StoredPurge[]): Buffer {
  return Buffer.concat([encodeHeader(header), ...records.map(encodePurge)]);
}

export function parseStoredLog(bytes: Uint8Array): ParsedLog {
  if (bytes.length === 0) return { kind: 'empty' };
  return bytes[0] === 0x7b /* { */ ? parseFormat1(bytes) : parseFormat2(bytes);
}

function parseFormat2(bytes: Uint8Array): ParsedLog {
  const scanned = scanFrames(bytes);
  let header: LogHeader | undefined;
  const records: StoredPurge[] = [];
  const damaged = (offset: number, reason: string): ParsedLog => ({ kind: 'damaged', format: 2, offset, reason, header, records });
  for (const frame of scanned.frames) {
    if (header === undefined) {
      header = headerOf(frame.value);
      if (header === undefined) return damaged(frame.offset, `expected a header {"purgeLog":${LOG_FORMAT},"logId":...,"afterSeq":...}`);
      continue;
    }
    const stored = storedPurgeOf(frame.value);
    if (stored === undefined) return damaged(frame.offset, 'not a purge record');
    const expected = (records[records.length - 1]?.record.seq ?? header.afterSeq) + 1;
    if (stored.record.seq !== expected) return damaged(frame.offset, `seq ${stored.record.seq} where ${expected} was due`);
    records.push(stored);
  }
  if (scanned.damaged !== undefined) return damaged(scanned.damaged.offset, scanned.damaged.reason);
  return { kind: 'log', format: 2, header, records, dropped: scanned.dropped, needsRewrite: scanned.dropped !== undefined || scanned.missingTerminator };
}

function headerOf(value: unknown): LogHeader | undefined {
  const v = value as { purgeLog?: unknown; logId?: unknown; afterSeq?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.purgeLog !== LOG_FORMAT || typeof v.logId !== 'string' || v.logId === '') return undefined;
  if (!Number.isSafeInteger(v.afterSeq) || (v.afterSeq as number) < 0) return undefined;
  return { logId: v.logId, afterSeq: v.afterSeq as number };
}

function storedPurgeOf(value: unknown): StoredPurge | undefined {
  const v = value as { purge?: unknown; idempotencyKey?: unknown; lost?: unknown } | null;
  if (typeof v !== 'object' || v === null || !Value.Check(PurgeRecordSchema, v.purge)) return undefined;
  if (v.lost === true) return { record: v.purge, lost: true };
  if (v.idempotencyKey !== undefined && typeof v.idempotencyKey !== 'string') return undefined;
  return v.idempotencyKey === undefined ? { record: v.purge } : { record: v.purge, idempotencyKey: v.idempotencyKey };
}

/**
 * Format 1: `{"purgeLog":1,"logId":...}` and one PurgeRecord per line. Unlike the reader that
 * wrote it, a last line that is whole but lost its newline is kept: it may have been acknowledged.
 */
function parseFormat1(bytes: Uint8Array): ParsedLog {
  const lines: Array<{ offset: number; text: string; terminated: boolean }> = [];
  for (let offset = 0; offset < bytes.length; ) {
    const end = bytes.indexOf(0x0a, offset);
    const stop = end === -1 ? bytes.length : end;
    lines.push({ offset, text: Buffer.from(bytes.buffer, bytes.byteOffset + offset, stop - offset).toString('utf8'), terminated: end !== -1 });
    offset = stop + 1;
  }
  let header: LogHeader | undefined;
  const records: StoredPurge[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1;
    const parsed = parseJson(line.text);
    const drop = (reason: string): ParsedLog => ({ kind: 'log', format: 1, header, records, dropped: { offset: line.offset, bytes: bytes.length - line.offset, reason }, needsRewrite: true });
    const damaged = (reason: string): ParsedLog => ({ kind: 'damaged', format: 1, offset: line.offset, reason, header, records });
    if (i === 0) {
      const h = parsed as { purgeLog?: unknown; logId?: unknown } | undefined;
      if (h === undefined || h.purgeLog !== 1 || typeof h.logId !== 'string') return last ? drop('format 1 header cut') : damaged('not a format 1 header');
      header = { logId: h.logId, afterSeq: 0 };
      continue;
    }
    const previous = records[records.length - 1]?.record.seq ?? 0;
    // Format 1 kept no afterSeq: a compacted file starts at whatever seq its first line has.
    const inOrder = Value.Check(PurgeRecordSchema, parsed) && (records.length === 0 ? true : parsed.seq === previous + 1);
    if (!inOrder) return last ? drop('format 1 record cut or damaged') : damaged('not the next format 1 purge record');
    if (records.length === 0) header = { logId: header!.logId, afterSeq: (parsed as PurgeRecord).seq - 1 };
    records.push({ record: parsed as PurgeRecord });
  }
  return { kind: 'log', format: 1, header, records, dropped: undefined, needsRewrite: true };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
