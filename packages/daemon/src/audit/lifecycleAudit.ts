import type { FastifyBaseLogger } from 'fastify';
import type { EventLog, EventView } from '../events/eventLog.js';
import type { AuditLog, AuditRecord } from './auditLog.js';
import { currentCause, DAEMON_ACTOR } from './auditCause.js';

type Details = NonNullable<AuditRecord['details']>;

interface Mapping {
  action: string;
  outcome: NonNullable<AuditRecord['outcome']>;
  /** The why the event itself carries (an idle stop, a reconcile, a failure); else the cause's. */
  reason?: (payload: Record<string, unknown>) => string | undefined;
  /** Names, codes and counts taken from the event's payload; never its message. */
  details?: (payload: Record<string, unknown>) => Details;
}

const failure = () => 'failure';
const codeOf = (p: Record<string, unknown>): Details => ({ code: word(p.code) ?? 'internal' });

/**
 * The events that are also audit entries (seed 004's mandatory list: sandbox lifecycle with who
 * and why, runtime errors). The sandbox service tells each transition once, as an event; this
 * turns it into an entry, with the actor and reason of the work that caused it.
 */
const AUDITED: Record<string, Mapping> = {
  'sandbox.created': { action: 'sandbox.create', outcome: 'ok' },
  'sandbox.started': { action: 'sandbox.start', outcome: 'ok' },
  'sandbox.start_failed': {
    action: 'sandbox.start',
    outcome: 'failed',
    reason: failure,
    details: codeOf,
  },
  'sandbox.stopped': {
    action: 'sandbox.stop',
    outcome: 'ok',
    reason: (p) => (p.reason === 'reconcile' ? 'reconcile' : undefined),
  },
  'sandbox.idle_stopped': { action: 'sandbox.stop', outcome: 'ok', reason: () => 'idle' },
  'sandbox.deleted': { action: 'sandbox.delete', outcome: 'ok' },
  'sandbox.failed': {
    action: 'sandbox.failed',
    outcome: 'failed',
    reason: failure,
    details: (p) => ({ code: word(p.reason) ?? 'failed', oom_kills: count(p.oom_kills) }),
  },
  'sandbox.oom': {
    action: 'sandbox.oom',
    outcome: 'failed',
    reason: failure,
    details: (p) => ({ oom_kills: count(p.oom_kills) }),
  },
  'runtime.failed': {
    action: 'runtime.failed',
    outcome: 'failed',
    reason: failure,
    details: codeOf,
  },
  'snapshot.failed': {
    action: 'snapshot.failed',
    outcome: 'failed',
    reason: failure,
    details: (p) => ({ snapshot_id: word(p.snapshot_id) ?? null }),
  },
  'snapshot.restore_failed': {
    action: 'snapshot.restore',
    outcome: 'failed',
    reason: failure,
    details: (p) => ({ ...codeOf(p), snapshot_id: word(p.snapshot_id) ?? null }),
  },
};

/** Subscribes the audit to the event log; returns the unsubscribe. */
export function auditLifecycle(
  events: EventLog,
  audit: AuditLog,
  log: Pick<FastifyBaseLogger, 'warn'>,
): () => void {
  return events.subscribe((e) => {
    const entry = entryOf(e);
    if (!entry) return;
    audit.record(entry).catch((err: unknown) => {
      log.warn({ err, event: e.type }, 'auditing a lifecycle event failed');
    });
  });
}

function entryOf(e: EventView & { owner: string }): AuditRecord | null {
  const m = AUDITED[e.type] ?? taskFailure(e);
  if (!m) return null;
  const cause = currentCause();
  const reason = m.reason?.(e.payload) ?? cause?.reason ?? 'daemon';
  // Work the daemon does for itself (an idle stop, a reconcile) has the daemon as its actor.
  const ownWork = reason === 'idle' || reason === 'reconcile';
  return {
    actor: !ownWork && cause ? cause.actor : DAEMON_ACTOR,
    action: m.action,
    target: e.sandbox_id ? { type: 'sandbox', id: e.sandbox_id } : { type: 'owner', id: e.owner },
    outcome: m.outcome,
    details: { reason, owner: e.owner, ...(m.details?.(e.payload) ?? {}) },
  };
}

/** A task that ended other than by succeeding (failed, timed out, canceled is the user's). */
function taskFailure(e: EventView): Mapping | undefined {
  if (e.type !== 'task.finished') return undefined;
  const status = word(e.payload.status);
  if (status === 'succeeded' || status === 'canceled') return undefined;
  return {
    action: 'task.failed',
    outcome: 'failed',
    reason: failure,
    details: (p) => ({
      task_id: word(p.task_id) ?? null,
      status: status ?? null,
      exit_code: typeof p.exit_code === 'number' ? p.exit_code : null,
    }),
  };
}

function word(v: unknown): string | undefined {
  return typeof v === 'string' && /^[\w.:-]{1,64}$/.test(v) ? v : undefined;
}

function count(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}
