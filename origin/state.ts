/**
 * Everything the origin remembers between requests, in one plain object the handler owns, so the
 * simulator can run many origins side by side and a reset is a matter of replacing maps.
 */
import type { OriginStats } from './types.js';

export type FailureMode = 'ok' | 'error' | 'refuse' | 'hang';

export interface FailureSettings {
  mode: FailureMode;
  /** Status of injected errors ('error' mode, `failureRate`, `?fail=1`). */
  status: number;
  /** Chance that any object request fails with `status`, even in 'ok' mode. */
  failureRate: number;
}

export interface ObjectState {
  version: number;
  /** Wall time of the last version change (or first sight); becomes Last-Modified. */
  modifiedMs: number;
}

export interface OriginState {
  objects: Map<string, ObjectState>;
  failure: FailureSettings;
  requests: number;
  requestsByPath: Map<string, number>;
  requestsByMethod: Map<string, number>;
}

export const DEFAULT_FAILURE_STATUS = 503;

export function initialState(failureRate: number): OriginState {
  return {
    objects: new Map(),
    failure: { mode: 'ok', status: DEFAULT_FAILURE_STATUS, failureRate },
    requests: 0,
    requestsByPath: new Map(),
    requestsByMethod: new Map(),
  };
}

/** An object comes into being at version 1 the first time anyone asks for it. */
export function objectState(state: OriginState, path: string, nowMs: number): ObjectState {
  let object = state.objects.get(path);
  if (object === undefined) {
    object = { version: 1, modifiedMs: nowMs };
    state.objects.set(path, object);
  }
  return object;
}

export function bumpVersion(state: OriginState, path: string, nowMs: number): number {
  const object = objectState(state, path, nowMs);
  object.version += 1;
  object.modifiedMs = nowMs;
  return object.version;
}

export function countRequest(state: OriginState, path: string, method: string): void {
  state.requests += 1;
  state.requestsByPath.set(path, (state.requestsByPath.get(path) ?? 0) + 1);
  state.requestsByMethod.set(method, (state.requestsByMethod.get(method) ?? 0) + 1);
}

/** Forgets versions and counts; failure injection is left as the admin last set it. */
export function resetObjectsAndStats(state: OriginState): void {
  state.objects.clear();
  state.requests = 0;
  state.requestsByPath.clear();
  state.requestsByMethod.clear();
}

export function statsSnapshot(state: OriginState): OriginStats {
  // Object.fromEntries defines own properties, so a path like `/__proto__` cannot leak into the prototype.
  return {
    requests: state.requests,
    paths: Object.fromEntries(state.requestsByPath),
    methods: Object.fromEntries(state.requestsByMethod),
  };
}
