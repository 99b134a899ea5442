/**
 * The scenario file: topology, workload and a timeline of faults, validated on load. A bad file
 * fails with one line naming the field, e.g. `scenario faults.2.kind: must be one of ...`.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { MARKS } from '../../common/coverage-marks.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9_-]+$', description: 'a name of letters, digits, dash or underscore' });
const Ms = (d: number, description?: string) => Type.Number({ default: d, minimum: 0, ...(description === undefined ? {} : { description }) });

const Latency = (baseMs: number, jitterMs: number) =>
  Type.Object({ baseMs: Ms(baseMs), jitterMs: Ms(jitterMs) }, { default: {}, additionalProperties: false });

/**
 * Node selectors: `edges` (every edge), `region:<r>` (its edges), `node:<id>`, `origin`,
 * `control-plane`, `purger`, `odd-edges`/`even-edges` (every other edge by index).
 */
const Selector = Type.String({ pattern: '^(edges|odd-edges|even-edges|origin|control-plane|purger|region:[A-Za-z0-9_-]+|node:[A-Za-z0-9._-]+)$', description: 'edges, odd-edges, even-edges, origin, control-plane, purger, region:<name> or node:<id>' });

const FaultSchema = Type.Union(
  [
    Type.Object({ atMs: Ms(0), kind: Type.Literal('partition'), id: Name, from: Type.Array(Selector, { minItems: 1 }), to: Type.Optional(Type.Array(Selector, { minItems: 1 })), oneWay: Type.Boolean({ default: false }) }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('heal'), id: Type.Optional(Name) }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('crash'), nodes: Type.Array(Selector, { minItems: 1 }) }, { additionalProperties: false }),
    /** `graceful`: the edge leaves as on SIGTERM (edge/leave.ts), then starts again empty; else a crash and a restart. */
    Type.Object({ atMs: Ms(0), kind: Type.Literal('restart'), nodes: Type.Array(Selector, { minItems: 1 }), graceful: Type.Boolean({ default: false }) }, { additionalProperties: false }),
    /** Standby edges (topology.regions.*.standbyEdges) start and join their region's ring. */
    Type.Object({ atMs: Ms(0), kind: Type.Literal('join'), nodes: Type.Array(Selector, { minItems: 1 }) }, { additionalProperties: false }),
    /** Edges leave gracefully (as on SIGTERM) and stay gone. */
    Type.Object({ atMs: Ms(0), kind: Type.Literal('leave'), nodes: Type.Array(Selector, { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('clock-jump'), nodes: Type.Array(Selector, { minItems: 1 }), deltaMs: Type.Number() }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('clock-drift'), nodes: Type.Array(Selector, { minItems: 1 }), ppm: Type.Number({ minimum: -100_000, maximum: 100_000 }) }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('origin-outage'), mode: Type.Union([Type.Literal('error'), Type.Literal('refuse'), Type.Literal('hang')], { description: 'one of error, refuse, hang' }) }, { additionalProperties: false }),
    Type.Object({ atMs: Ms(0), kind: Type.Literal('origin-recover') }, { additionalProperties: false }),
    /** The control plane's purge-log disk (sim/kernel/faulty-log-storage.ts): fsync-fail, slow, torn (slow, and a crash tears the sync in progress) or ok. */
    Type.Object(
      {
        atMs: Ms(0),
        kind: Type.Literal('disk'),
        mode: Type.Union([Type.Literal('ok'), Type.Literal('fsync-fail'), Type.Literal('slow'), Type.Literal('torn')], { description: 'one of ok, fsync-fail, slow, torn' }),
        delayMs: Type.Integer({ default: 50, minimum: 0, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'a fault: partition, heal, crash, restart, join, leave, clock-jump, clock-drift, origin-outage, origin-recover or disk' },
);

export const ScenarioSchema = Type.Object(
  {
    name: Name,
    description: Type.String({ default: '' }),
    /** Workload and faults run this long; then the run continues `settleMs` with no faults. */
    durationMs: Type.Number({ minimum: 1 }),
    settleMs: Ms(30_000, 'quiet time after the workload for convergence'),
    topology: Type.Object(
      {
        regions: Type.Array(
          Type.Object(
            {
              name: Name,
              edges: Type.Integer({ minimum: 1, maximum: 64 }),
              cacheMaxBytes: Type.Integer({ default: 16 * 1024 * 1024, minimum: 1024 }),
              requestsPerSecond: Type.Number({ default: 100, minimum: 0 }),
              /** Edges that exist but start only at a `join` fault (named after the others: e<edges+1>, ...). */
              standbyEdges: Type.Integer({ default: 0, minimum: 0, maximum: 16 }),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
        controlPlane: Type.Boolean({ default: true }),
        links: Type.Object(
          {
            intraRegion: Latency(1, 1),
            interRegion: Latency(40, 10),
            toOrigin: Latency(30, 10),
            toControlPlane: Latency(30, 10),
            lossRate: Type.Number({ default: 0, minimum: 0, maximum: 1 }),
            duplicateRate: Type.Number({ default: 0, minimum: 0, maximum: 1 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    origin: Type.Object(
      {
        cacheControl: Type.String({ default: 'public, max-age=60' }),
        latencyMs: Ms(20),
        minSizeBytes: Type.Integer({ default: 512, minimum: 0 }),
        maxSizeBytes: Type.Integer({ default: 16_384, minimum: 0 }),
      },
      { default: {}, additionalProperties: false },
    ),
    workload: Type.Object(
      {
        keys: Type.Integer({ default: 1000, minimum: 1 }),
        zipf: Type.Number({ default: 0.9, minimum: 0 }),
        /** New versions published at the origin (no purge) per second, across all keys. */
        versionChangesPerSecond: Type.Number({ default: 0, minimum: 0 }),
        /**
         * Accept-Encoding values clients send, each drawn with its weight (e.g. issue 18's browser
         * mix). Absent: clients send none, and no draw is made, so older scenarios replay exactly.
         */
        acceptEncoding: Type.Optional(
          Type.Array(
            Type.Object({ value: Type.String({ maxLength: 256 }), weight: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
            { minItems: 1, maxItems: 32 },
          ),
        ),
        purger: Type.Object(
          {
            purgesPerSecond: Type.Number({ default: 0, minimum: 0 }),
            startMs: Ms(0),
            stopMs: Type.Optional(Type.Number({ minimum: 0 })),
            /** The share of purges sent soft (mark stale instead of remove); drawn only when above 0. */
            softShare: Type.Number({ default: 0, minimum: 0, maximum: 1 }),
            /** Receipts are polled this often. */
            receiptPollMs: Ms(500),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    controlPlane: Type.Object(
      {
        leaseMs: Type.Integer({ default: 10_000, minimum: 30 }),
        leaseGraceMs: Type.Integer({ default: 2_000, minimum: 0 }),
        heartbeatIntervalMs: Type.Integer({ default: 1_000, minimum: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    edge: Type.Object(
      {
        collapseWaitMs: Type.Integer({ default: 16_000, minimum: 1 }),
        peerSuspectMs: Type.Integer({ default: 2_000, minimum: 1 }),
        originConnectTimeoutMs: Type.Integer({ default: 2_000, minimum: 1 }),
        originHeadersTimeoutMs: Type.Integer({ default: 15_000, minimum: 1 }),
        /** The control client reconnects when its stream is silent this long (edge config controlPlane.streamIdleMs). */
        streamIdleMs: Type.Integer({ default: 15_000, minimum: 100 }),
        /** Codings the edges make themselves at store time (`--compress`); absent: off. */
        compress: Type.Optional(
          Type.Array(Type.Union([Type.Literal('gzip'), Type.Literal('br')], { description: 'gzip or br' }), { minItems: 1, maxItems: 2, uniqueItems: true, description: 'a list of gzip, br' }),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    checks: Type.Object(
      {
        /** Every reachable edge applies every purge within this after faults stop. */
        convergenceBoundMs: Ms(30_000),
        /** Tolerance for Age rounding in the freshness check. */
        freshnessSlackMs: Ms(1_000),
        /** membership-origin: origin fetches of moved keys are counted this long after each join or leave. */
        membershipWindowMs: Ms(10_000),
        /** membership-origin: the share of the requested moved keys that may be fetched from the origin. */
        membershipMaxFraction: Type.Number({ default: 0.05, minimum: 0, maximum: 1 }),
      },
      { default: {}, additionalProperties: false },
    ),
    faults: Type.Array(FaultSchema, { default: [] }),
    /**
     * Coverage marks (common/coverage-marks.ts) this scenario must reach: `cdn-sim swarm` fails
     * naming a mark no seed reached.
     */
    marks: Type.Array(Type.Union(MARKS.map((m) => Type.Literal(m)), { description: `one of ${MARKS.join(', ')}` }), { default: [] }),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type Fault = Static<typeof FaultSchema>;

export class ScenarioError extends Error {}

/** Fills defaults and validates; throws ScenarioError with one line naming the field. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const value = Value.Default(ScenarioSchema, structuredClone(input));
  const first = Value.Errors(ScenarioSchema, value).First();
  if (first !== undefined) {
    const field = first.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const wanted = (first.schema as TSchema & { description?: string }).description;
    const what =
      first.type === ValueErrorType.ObjectRequiredProperty
        ? 'is required'
        : first.type === ValueErrorType.ObjectAdditionalProperties
          ? 'is not a known field'
          : wanted !== undefined
            ? `must be ${wanted}, got ${JSON.stringify(first.value)}`
            : `${first.message.toLowerCase()}, got ${JSON.stringify(first.value)}`;
    throw new ScenarioError(`${source} ${field}: ${what}`);
  }
  const scenario = value as Scenario;
  const regions = new Set<string>();
  for (const r of scenario.topology.regions) {
    if (regions.has(r.name)) throw new ScenarioError(`${source} topology.regions: region ${r.name} appears twice`);
    regions.add(r.name);
  }
  scenario.faults.forEach((f, i) => {
    if (f.atMs > scenario.durationMs) throw new ScenarioError(`${source} faults.${i}.atMs: ${f.atMs} is after durationMs ${scenario.durationMs}`);
  });
  return scenario;
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${path}: cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(json, path);
}
