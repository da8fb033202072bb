import { PaddockError, type ErrorCode } from '@paddock/shared';
import type { AuditLog, AuditRecord } from './auditLog.js';
import { currentCause, DAEMON_ACTOR } from './auditCause.js';

/** The codes of a refusal by a limit or a quota: each one an `admission.refused` entry. */
const REFUSALS = new Set<ErrorCode>([
  'limit_exceeded',
  'snapshot_quota_exceeded',
  'quota_exceeded',
  'spend_limit_reached',
  'insufficient_storage',
]);

/** A name or a word from an error's details, never free text (a path, a message). */
const NAME = /^[\w.:-]{1,64}$/;

/**
 * Admission refusals, told by the sandbox service (create, start: a preview's wake too) and by
 * the API for every other route. An error is recorded once, by whichever sees it first.
 */
export class AdmissionAudit {
  private readonly seen = new WeakSet<object>();

  constructor(private readonly audit: AuditLog) {}

  /**
   * Records `err` if it is a refusal by a limit; `operation` says what was refused. A create
   * that failed on the daemon's side (a boot the driver could not make) is recorded too: unlike
   * a start, it leaves no event the lifecycle audit would see.
   */
  async refused(
    err: unknown,
    operation: string,
    target?: { type: string; id: string },
  ): Promise<void> {
    if (typeof err !== 'object' || err === null || this.seen.has(err)) return;
    const refusal = err instanceof PaddockError && REFUSALS.has(err.code);
    const failure =
      operation === 'sandbox.create' && (!(err instanceof PaddockError) || err.status >= 500);
    if (!refusal && !failure) return;
    this.seen.add(err);
    const cause = currentCause();
    if (failure) {
      await this.audit.record({
        actor: cause?.actor ?? DAEMON_ACTOR,
        action: 'sandbox.create',
        outcome: 'failed',
        details: {
          reason: 'failure',
          code: err instanceof PaddockError ? err.code : 'internal',
        },
      });
      return;
    }
    if (!(err instanceof PaddockError)) return;
    await this.audit.record({
      actor: cause?.actor ?? DAEMON_ACTOR,
      action: 'admission.refused',
      ...(target ? { target } : {}),
      outcome: 'denied',
      details: {
        operation,
        code: err.code,
        reason: cause?.reason ?? 'daemon',
        ...flatDetails(err.details),
      },
    });
  }
}

/** `{seconds: {requested: 9, max: 5}}` → `{'seconds.requested': 9, 'seconds.max': 5}`. */
function flatDetails(
  details: unknown,
  prefix = '',
  depth = 0,
): NonNullable<AuditRecord['details']> {
  const out: NonNullable<AuditRecord['details']> = {};
  if (typeof details !== 'object' || details === null || depth > 2) return out;
  for (const [key, value] of Object.entries(details)) {
    if (!NAME.test(key)) continue;
    const name = `${prefix}${key}`;
    if (typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (typeof value === 'string' && NAME.test(value)) out[name] = value;
    else Object.assign(out, flatDetails(value, `${name}.`, depth + 1));
  }
  return out;
}
