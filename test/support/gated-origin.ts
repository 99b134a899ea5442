/**
 * The synthetic origin (its real handler behind its real node:http adapter, loopback port 0) with
 * gates: a test holds the answers for a path until it releases them, and waits for requests to
 * arrive, so the order of events in an end-to-end test is the test's decision rather than the
 * machine's speed. Requests for paths without a gate are answered at once, as by the plain origin.
 */
import type { Clock, Timers } from '../../common/ports.js';
import { startOriginServer, type HeldRequest, type OriginServer } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';

export interface GatedOrigin {
  url: string;
  /** From now on, every answer for `path` (the path alone, no query) waits for a release. */
  gate(path: string): void;
  /** Lets the oldest `count` held answers for `path` go (all by default); the gate stays shut for later ones. Returns how many went. */
  release(path: string, count?: number): number;
  /** Lets every held answer for `path` go and stops holding new ones. */
  open(path: string): void;
  /** Answers for `path` held now. */
  held(path: string): number;
  /** Requests for `path` that reached the origin so far, held or not. */
  arrivals(path: string): number;
  /** Resolves once `count` requests for `path` have reached the origin (at once if they have). */
  arrived(path: string, count?: number): Promise<void>;
  /** Drops every connection, held ones included. */
  close(): Promise<void>;
}

export interface GatedOriginOptions {
  /** The origin's clock (Date, Last-Modified, Expires). */
  clock: Clock;
  /** Waits out `?latency=`; the system's timers when absent. */
  timers?: Timers;
  adminToken: string;
}

interface ArrivalWatch {
  count: number;
  resolve: () => void;
}

export async function startGatedOrigin(options: GatedOriginOptions): Promise<GatedOrigin> {
  const origin = createOrigin({ clock: options.clock, random: { next: () => 0.5 }, config: resolveOriginConfig({ adminToken: options.adminToken }) });
  const gates = new Map<string, Array<() => void>>();
  const arrivalCounts = new Map<string, number>();
  const watches = new Map<string, ArrivalWatch[]>();

  const hold = (req: HeldRequest): Promise<void> | undefined => {
    const path = pathOf(req.target);
    const count = (arrivalCounts.get(path) ?? 0) + 1;
    arrivalCounts.set(path, count);
    const waiting = watches.get(path) ?? [];
    watches.set(path, waiting.filter((w) => w.count > count));
    for (const w of waiting) if (w.count <= count) w.resolve();
    const queue = gates.get(path);
    if (queue === undefined) return undefined;
    return new Promise<void>((resolve) => queue.push(resolve));
  };

  const server: OriginServer = await startOriginServer(origin, {
    host: '127.0.0.1',
    port: 0,
    hold,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });

  const release = (path: string, count = Infinity): number => {
    const queue = gates.get(path) ?? [];
    const going = queue.splice(0, count);
    for (const go of going) go();
    return going.length;
  };

  return {
    url: server.url,
    gate(path) {
      if (!gates.has(path)) gates.set(path, []);
    },
    release,
    open(path) {
      release(path);
      gates.delete(path);
    },
    held: (path) => gates.get(path)?.length ?? 0,
    arrivals: (path) => arrivalCounts.get(path) ?? 0,
    arrived(path, count = 1) {
      if ((arrivalCounts.get(path) ?? 0) >= count) return Promise.resolve();
      return new Promise((resolve) => {
        const list = watches.get(path) ?? [];
        list.push({ count, resolve });
        watches.set(path, list);
      });
    },
    close: () => server.close(),
  };
}

/** The path of a request target, without its query (origin-form or absolute-form). */
function pathOf(target: string): string {
  return new URL(target, 'http://origin.invalid').pathname;
}
