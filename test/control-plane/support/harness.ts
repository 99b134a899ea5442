/**
 * A real control plane over loopback (127.0.0.1, port 0) with a FakeClock and ManualTimers, so
 * leases, health and receipts move only when a test advances time. Streams are read with
 * node:http and the protocol's own SseParser.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import { decodeControlEvent, SseParser, type ControlEvent, type PurgeRecord } from '../../../common/control-protocol.js';
import type { Logger } from '../../../common/ports.js';
import { createControlPlaneServer, listen, type ControlPlaneServerOptions } from '../../../control-plane/adapters/http-server.js';
import { controlPlaneConfigWithDefaults, type ControlPlaneConfigInput } from '../../../control-plane/config.js';
import { ControlPlane, roleFor } from '../../../control-plane/control-plane.js';
import { Credentials } from '../../../control-plane/credentials.js';
import { DurablePurgeLog, MemoryLogStorage, type LogStorage } from '../../../control-plane/purge-log.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ManualTimers } from './manual-timers.js';

/** The admin token (purges, receipts, edges, regions, metrics). */
export const ADMIN_TOKEN = 'test-control-token-0123';
export const TOKEN = ADMIN_TOKEN;
/** The edge token (stream, acks, heartbeats). */
export const EDGE_TOKEN = 'test-edge-token-456789';

export function cpCredentials(): Credentials {
  return new Credentials({ admin: [ADMIN_TOKEN], edge: [EDGE_TOKEN] });
}

/** The Authorization header a well-behaved client sends for this path. */
export function authFor(path: string): Record<string, string> {
  const role = roleFor(path.split('?', 1)[0]!);
  return role === undefined ? {} : { authorization: `Bearer ${role === 'edge' ? EDGE_TOKEN : ADMIN_TOKEN}` };
}
export const silent: Logger = { log: () => undefined };

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface CpHarness {
  cp: ControlPlane;
  log: DurablePurgeLog;
  url: string;
  clock: FakeClock;
  timers: ManualTimers;
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  purge(body: unknown): Promise<{ id: string; seq: number }>;
  stream(query: string): Promise<StreamReader>;
  /** Makes an edge known, as its first stream does (then closes that stream): reports are refused before. */
  register(edge: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  storage?: LogStorage;
  config?: ControlPlaneConfigInput;
  clock?: FakeClock;
  logId?: string;
  server?: Partial<ControlPlaneServerOptions>;
}

export async function startControlPlane(options: HarnessOptions = {}): Promise<CpHarness> {
  const clock = options.clock ?? new FakeClock();
  const timers = new ManualTimers(clock);
  // Membership from the first instant unless a test is about the start-up hold.
  const config = controlPlaneConfigWithDefaults({ token: TOKEN, ...options.config, health: { membershipAfterMs: 0, ...options.config?.health } });
  const log = await DurablePurgeLog.open(options.storage ?? new MemoryLogStorage(), {
    retainCount: config.log.retainCount,
    maxPendingAppends: config.log.maxPendingAppends,
    newLogId: () => options.logId ?? 'test-log',
  });
  const cp = new ControlPlane({ clock, timers, log, logger: silent, config, credentials: cpCredentials() });
  const server: Server = createControlPlaneServer(cp, silent, { maxBodyBytes: config.limits.maxBodyBytes, timers, ...options.server });
  const port = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const readers = new Set<StreamReader>();

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = authFor(path)): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = httpRequest(`${url}${path}`, { method, headers: { ...headers, ...(text === undefined ? {} : { 'content-type': 'application/json' }) }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw);
          } catch {
            // not JSON; keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(text);
    });

  return {
    cp,
    log,
    url,
    clock,
    timers,
    send,
    async purge(body) {
      const reply = await send('POST', '/purges', body);
      if (reply.status !== 202) throw new Error(`purge answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body as { id: string; seq: number };
    },
    async stream(query) {
      const reader = await StreamReader.open(`${url}/stream?${query}`, { authorization: `Bearer ${EDGE_TOKEN}` });
      readers.add(reader);
      return reader;
    },
    async register(edge) {
      const reader = await StreamReader.open(`${url}/stream?edge=${edge}`, { authorization: `Bearer ${EDGE_TOKEN}` });
      await reader.until('hello');
      reader.close();
    },
    async close() {
      for (const reader of readers) reader.close();
      cp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

/** An SSE client that queues decoded events; `next` waits for the next one (no sleeps). */
export class StreamReader {
  readonly events: ControlEvent[] = [];
  private taken = 0;
  private waiter: (() => void) | undefined;
  ended = false;

  private constructor(
    private readonly req: ClientRequest,
    readonly status: number,
    readonly contentType: string | undefined,
  ) {}

  static open(url: string, headers: Record<string, string>): Promise<StreamReader> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers, agent: false }, (res) => {
        const reader = new StreamReader(req, res.statusCode ?? 0, res.headers['content-type']);
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          for (const frame of parser.feed(text)) {
            const event = decodeControlEvent(frame);
            if (event !== undefined) reader.events.push(event);
          }
          reader.wake();
        });
        const end = (): void => {
          reader.ended = true;
          reader.wake();
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        resolve(reader);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The next event not yet taken; rejects when the stream ends first. */
  async next(): Promise<ControlEvent> {
    while (this.taken >= this.events.length) {
      if (this.ended) throw new Error(`stream ended after ${this.events.length} events`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.events[this.taken++]!;
  }

  /** Takes events until one named `name` arrives; returns it. */
  async until<N extends ControlEvent['event']>(name: N): Promise<Extract<ControlEvent, { event: N }>> {
    for (;;) {
      const event = await this.next();
      if (event.event === name) return event as Extract<ControlEvent, { event: N }>;
    }
  }

  /** Takes the next `count` purge events (skipping others). */
  async purges(count: number): Promise<PurgeRecord[]> {
    const out: PurgeRecord[] = [];
    while (out.length < count) {
      const event = await this.next();
      if (event.event === 'purge') out.push(event.data);
    }
    return out;
  }

  /** Resolves once the server ends the stream. */
  async closedByServer(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.req.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
