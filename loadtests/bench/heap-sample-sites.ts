/**
 * Bytes allocated by function while `run` runs, from V8's sampling heap profiler in this process
 * (hit-alloc-sites.ts, hit-promoted-sites.ts). `keepYoungGarbage: false` keeps only samples of
 * objects no scavenge freed, i.e. what was promoted (or is still alive).
 */
import { Session } from 'node:inspector/promises';

/** A node of V8's sampling heap profile (HeapProfiler.stopSampling). */
export interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export interface SampledSites {
  /** `function file:line` of the allocating function -> sampled bytes, largest first. */
  bySite: Array<[string, number]>;
  totalBytes: number;
}

export async function sampleHeapSites(run: () => void, o: { samplingInterval: number; keepYoungGarbage: boolean }): Promise<SampledSites> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: o.samplingInterval, includeObjectsCollectedByMinorGC: o.keepYoungGarbage, includeObjectsCollectedByMajorGC: true });
  run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
  session.disconnect();
  return bytesBySite(profile.head, false);
}

/** `function file:line` of a profile node's function. */
export function siteOf(n: ProfileNode): string {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url === '' ? '(native)' : f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
}

/** The sampled bytes of a profile summed per allocating function (`withCaller`: per function and its caller, `site  <- caller`), largest first. */
export function bytesBySite(head: ProfileNode, withCaller: boolean): SampledSites {
  const bySite = new Map<string, number>();
  let totalBytes = 0;
  const walk = (n: ProfileNode, caller: string): void => {
    const here = siteOf(n);
    if (n.selfSize > 0) {
      const key = withCaller ? `${here}  <- ${caller}` : here;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      totalBytes += n.selfSize;
    }
    for (const c of n.children) walk(c, here);
  };
  walk(head, '(root)');
  return { bySite: [...bySite].sort((a, b) => b[1] - a[1]), totalBytes };
}
