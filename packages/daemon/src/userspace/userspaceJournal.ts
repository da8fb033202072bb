import type { Actor, AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { UserspaceRow } from './userspaceStore.js';

/** Who acted on an app, as its events and audit entries name them. */
export interface Caller {
  owner: string;
  admin: boolean;
  actor: Actor;
}

export type Details = Record<string, string | number | boolean | null | string[]>;

/** Every act on a userspace app, told twice: an event for its owner, an audit entry for admins. */
export class UserspaceJournal {
  constructor(private readonly o: { events: EventLog; audit: AuditLog }) {}

  async tell(
    caller: Caller,
    row: UserspaceRow,
    what: string,
    message: string,
    details: Details,
    severity: 'info' | 'warn' = 'info',
  ): Promise<void> {
    await this.o.events.append({
      owner: row.owner_id,
      sandboxId: row.sandbox_id,
      type: `userspace.${what}`,
      severity,
      message: `${row.name}: ${message}`,
      payload: { app_id: row.id, ...details },
    });
    await this.o.audit.record({
      actor: caller.actor,
      action: `userspace.${what}`,
      target: { type: 'userspace_app', id: row.id },
      details,
    });
  }

  /** An audit entry for an act about an app id rather than one app's row (a pinned key). */
  async audit(actor: Actor, action: string, appId: string): Promise<void> {
    await this.o.audit.record({ actor, action, target: { type: 'userspace_app', id: appId } });
  }
}
