/** The one line an operator reads about what opening the purge log found and did. */
import type { OpenReport } from '../purge-log.js';

/** Undefined when the log opened as it was left. */
export function describeOpenReport(report: OpenReport, logId: string): string | undefined {
  const parts: string[] = [];
  if (report.migratedFromFormat !== undefined) parts.push(`migrated from format ${report.migratedFromFormat} to format 2 (once; older versions cannot read it any more)`);
  if (report.dropped !== undefined) parts.push(`dropped ${report.dropped.bytes} bytes of a torn or corrupted last record at byte offset ${report.dropped.offset} (${report.dropped.reason})`);
  if (report.newLog !== undefined) {
    const { previousLogId, lastSeqFound, highWaterSeq } = report.newLog;
    parts.push(
      `purges up to seq ${highWaterSeq} may have been acknowledged but only seq ${lastSeqFound} was found: started log ${logId} after seq ${highWaterSeq}` +
        ` (edges resuming log ${previousLogId ?? '(unreadable)'} flush; receipts of the lost purges answer 410)`,
    );
  }
  return parts.length === 0 ? undefined : `purge log: ${parts.join('; ')}`;
}
