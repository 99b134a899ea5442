/**
 * `cdn-control-plane repair`: what to keep of a damaged log. The good prefix (every whole record
 * before the first damage) is kept byte for byte; everything from the damage on is dropped,
 * including records that look whole after it (they cannot be trusted: the sequence is broken).
 * The high-water mark is left alone, so the next start sees that acknowledged purges are
 * missing, begins a new log id after them and makes every edge flush.
 */
import { scanFrames } from './frames.js';
import { parseStoredLog } from './stored-log.js';

export type RepairPlan =
  | { kind: 'intact'; records: number }
  | {
      kind: 'cut';
      keep: Buffer;
      keptRecords: number;
      keptSeqs: [first: number, last: number] | undefined;
      droppedOffset: number;
      droppedBytes: number;
      reason: string;
      /** Seqs of records after the damage that still look whole (dropped all the same). */
      droppedSeqs: number[];
    };

export function planRepair(bytes: Buffer): RepairPlan {
  const parsed = parseStoredLog(bytes);
  if (parsed.kind === 'empty') return { kind: 'intact', records: 0 };
  let offset: number;
  let reason: string;
  if (parsed.kind === 'damaged') {
    offset = parsed.offset;
    reason = parsed.reason;
  } else if (parsed.dropped !== undefined) {
    offset = parsed.dropped.offset;
    reason = parsed.dropped.reason;
  } else {
    return { kind: 'intact', records: parsed.records.length };
  }
  const records = parsed.records;
  const first = records[0]?.record.seq;
  const last = records[records.length - 1]?.record.seq;
  return {
    kind: 'cut',
    keep: bytes.subarray(0, offset),
    keptRecords: records.length,
    keptSeqs: first === undefined || last === undefined ? undefined : [first, last],
    droppedOffset: offset,
    droppedBytes: bytes.length - offset,
    reason,
    droppedSeqs: wholeLookingSeqs(bytes.subarray(offset)),
  };
}

/** Seqs of lines after the damage that parse as records on their own (format 2 frames or format 1 JSON). */
function wholeLookingSeqs(rest: Buffer): number[] {
  const seqs: number[] = [];
  let from = rest.indexOf(0x0a) + 1;
  while (from > 0 && from < rest.length) {
    const end = rest.indexOf(0x0a, from);
    const line = rest.subarray(from, end === -1 ? rest.length : end + 1);
    const frames = scanFrames(line).frames;
    const value = frames.length === 1 ? frames[0]!.value : parseJson(line.toString('utf8'));
    const seq = (value as { purge?: { seq?: unknown }; seq?: unknown } | undefined)?.purge?.seq ?? (value as { seq?: unknown } | undefined)?.seq;
    if (typeof seq === 'number') seqs.push(seq);
    from = end === -1 ? rest.length : end + 1;
  }
  return seqs;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The lines the repair command prints. */
/** `baseOffset`: bytes in the file before what was planned on (the high-water mark), so offsets are file offsets. */
export function describeRepair(plan: RepairPlan, path: string, baseOffset = 0): string[] {
  if (plan.kind === 'intact') return [`${path}: no damage found (${plan.records} records); nothing to repair`];
  const kept = plan.keptSeqs === undefined ? 'no records' : `${plan.keptRecords} records (seq ${plan.keptSeqs[0]}..${plan.keptSeqs[1]})`;
  const lines = [
    `${path}: damaged at byte offset ${plan.droppedOffset + baseOffset} (${plan.reason})`,
    `kept ${kept}: the good prefix, ${plan.keep.length} bytes`,
    `dropped ${plan.droppedBytes} bytes from offset ${plan.droppedOffset + baseOffset}` +
      (plan.droppedSeqs.length === 0 ? '' : `, including records that looked whole: seq ${plan.droppedSeqs.join(', ')}`),
    'the next start begins a new log id after the highest seq ever acknowledged; every edge flushes its cache',
  ];
  return lines;
}
