import type { EgressPolicy } from '@paddock/shared';
import type { Db } from '../store/database.js';

export type EgressSubject = `app:${string}` | `sandbox:${string}`;
/** A subject's own lists, as stored; the API adds the rules in force (`describePolicy`). */
export type OwnEgressPolicy = Omit<EgressPolicy, 'rules'>;

/**
 * Egress policies by subject (an app, or a standalone sandbox); absent means deny all, apart
 * from the baseline of the sandbox's manifest (`egressBaseline.ts`).
 */
export class EgressPolicyStore {
  /** Each running sandbox's effective policy, read once; every write clears it, so a change
   * applies to the next request. */
  private readonly effective = new Map<string, { allow: string[]; deny: string[] }>();

  constructor(private readonly db: Db) {}

  /** The policy a sandbox's traffic is held to: its app's, or its own when standalone. */
  async forSandbox(row: {
    id: string;
    app_id: string | null;
  }): Promise<{ allow: string[]; deny: string[] }> {
    const cached = this.effective.get(row.id);
    if (cached) return cached;
    const policy = await this.get(row.app_id ? `app:${row.app_id}` : `sandbox:${row.id}`);
    const effective = { allow: policy.allow, deny: policy.deny };
    this.effective.set(row.id, effective);
    return effective;
  }

  /** A subject's lists are gone with it (a deleted standalone sandbox). */
  async remove(subject: EgressSubject): Promise<void> {
    await this.db.deleteFrom('egress_policies').where('subject', '=', subject).execute();
  }

  async get(subject: EgressSubject): Promise<OwnEgressPolicy> {
    const row = await this.db
      .selectFrom('egress_policies')
      .selectAll()
      .where('subject', '=', subject)
      .executeTakeFirst();
    if (!row) return { allow: [], deny: [], updated_at: null };
    return {
      allow: JSON.parse(row.allow_json) as string[],
      deny: JSON.parse(row.deny_json) as string[],
      updated_at: row.updated_at,
    };
  }

  async put(
    subject: EgressSubject,
    owner: string,
    policy: { allow: string[]; deny: string[] },
  ): Promise<OwnEgressPolicy> {
    const row = {
      subject,
      owner_id: owner,
      allow_json: JSON.stringify(policy.allow),
      deny_json: JSON.stringify(policy.deny),
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('egress_policies')
      .values(row)
      .onConflict((oc) => oc.column('subject').doUpdateSet(row))
      .execute();
    this.effective.clear();
    return { allow: policy.allow, deny: policy.deny, updated_at: row.updated_at };
  }
}
