/**
 * Bytes allocated by function while `run` runs, from V8's sampling heap profiler in this process
 * (hit-alloc-sites.ts, hit-promoted-sites.ts). `keepYoungGarbage: false` keeps only samples of
 * objects no scavenge freed, i.e. what was promoted (or is still alive).
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
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
  const bySite = new Map<string, number>();
  let totalBytes = 0;
  const walk = (n: ProfileNode): void => {
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${f.url === '' ? '(native)' : f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      totalBytes += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return { bySite: [...bySite].sort((a, b) => b[1] - a[1]), totalBytes };
}
