import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '../http/principal.js';

/** Who set a chain of work going and why: what a lifecycle audit entry says of its cause. */
export interface AuditCause {
  actor: Actor;
  /** A short stable word: `user`, `idle`, `wake`, `reconcile`, `app_delete`, `restore`, … */
  reason: string;
}

/** The daemon acting on its own (an idle stop, a reconcile, a preview's wake). */
export const DAEMON_ACTOR: Actor = { owner: null, keyId: 'daemon', ip: null };

// Carried through the async calls a request or a loop makes, so the sandbox service need not
// pass who asked through every signature between a route and a transition.
const causes = new AsyncLocalStorage<AuditCause>();

export function currentCause(): AuditCause | undefined {
  return causes.getStore();
}

export function withCause<T>(cause: AuditCause, fn: () => T): T {
  return causes.run(cause, fn);
}

/** Runs `fn` for `reason`, keeping who asked when someone did (else the daemon). */
export function because<T>(reason: string, fn: () => T): T {
  return causes.run({ actor: causes.getStore()?.actor ?? DAEMON_ACTOR, reason }, fn);
}

/** Where refusals by a limit go (the audit's AdmissionAudit). */
export interface Refusals {
  refused(err: unknown, operation: string, target?: { type: string; id: string }): Promise<void>;
}

/** Runs a create or start; a refusal it throws is told to `refusals` on its way out. */
export async function refusable<T>(
  refusals: Refusals | undefined,
  operation: string,
  sandboxId: string | null,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const target = sandboxId === null ? undefined : { type: 'sandbox', id: sandboxId };
    await refusals?.refused(err, operation, target).catch(() => undefined);
    throw err;
  }
}
