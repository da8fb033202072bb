import type { EgressPolicy } from '@paddock/shared';
import type { Db } from '../store/database.js';

export type EgressSubject = `app:${string}` | `sandbox:${string}`;

/** Egress policies by subject (an app, or a standalone sandbox); absent means deny all. */
export class EgressPolicyStore {
  constructor(private readonly db: Db) {}

  async get(subject: EgressSubject): Promise<EgressPolicy> {
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
  ): Promise<EgressPolicy> {
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
    return { allow: policy.allow, deny: policy.deny, updated_at: row.updated_at };
  }
}
