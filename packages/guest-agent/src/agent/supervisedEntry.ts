/*
 * One supervised process's record, and the restart policy the supervisor applies to it.
 */
import type http from 'node:http';
import {
  SUPERVISOR_LIMITS,
  type SupervisedHealth,
  type SupervisedSpec,
  type SupervisedStatus,
} from '@paddock/shared';
import type { Child } from './child.js';
import { ByteRing } from './processes.js';

export interface Entry {
  spec: SupervisedSpec;
  /** The normalised spec, to tell whether a PUT changed it. */
  key: string;
  status: SupervisedStatus;
  since: string;
  child: Child | null;
  /** performance.now() at the current run's spawn. */
  startedAt: number;
  restarts: number;
  quickFailures: number;
  exitCode: number | null;
  signal: string | null;
  health: SupervisedHealth | null;
  healthFailures: number;
  backoffTimer: NodeJS.Timeout | null;
  healthTimer: NodeJS.Timeout | null;
  healthReq: http.ClientRequest | null;
  ring: ByteRing;
  listeners: Set<(chunk: Buffer) => void>;
  /** Ends open log streams when the entry is removed. */
  closers: Set<() => void>;
  /** Set before an intentional stop, so the exit is not treated as a crash. */
  stopRequested: boolean;
}

export function newEntry(spec: SupervisedSpec, key: string): Entry {
  return {
    spec,
    key,
    status: 'stopped',
    since: new Date().toISOString(),
    child: null,
    startedAt: 0,
    restarts: 0,
    quickFailures: 0,
    exitCode: null,
    signal: null,
    health: spec.port === undefined ? null : 'down',
    healthFailures: 0,
    backoffTimer: null,
    healthTimer: null,
    healthReq: null,
    ring: new ByteRing(SUPERVISOR_LIMITS.logRingBytes),
    listeners: new Set(),
    closers: new Set(),
    stopRequested: false,
  };
}

/** What tells specs apart: a PUT that changes it restarts the process. */
export function specKey(spec: SupervisedSpec): string {
  const env = Object.entries(spec.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    spec.kind,
    spec.command,
    env,
    spec.port ?? null,
    spec.port === undefined ? null : (spec.health_path ?? '/'),
  ]);
}

/** min(base × 2^(k−1), max); a process that ran long restarts after the base delay. */
export function backoffMs(quickFailures: number): number {
  const k = Math.max(quickFailures, 1);
  return Math.min(SUPERVISOR_LIMITS.backoffBaseMs * 2 ** (k - 1), SUPERVISOR_LIMITS.backoffMaxMs);
}
