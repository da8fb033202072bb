import { EGRESS_DENIALS_KEPT, type EgressDenial } from '@paddock/shared';
import type { EgressDenialSink } from '@paddock/egress';

type Listener = (denial: EgressDenial) => void;

/**
 * Every egress refusal, per sandbox, as it happens: the last `EGRESS_DENIALS_KEPT` kept in
 * memory for a late follower, and each new one handed to whoever follows. The durable record
 * is `durable`'s (the audit, one entry per refusal).
 */
export class DenialFeed {
  private readonly kept = new Map<string, EgressDenial[]>();
  private readonly followers = new Map<string, Set<Listener>>();

  constructor(private readonly durable: Listener) {}

  /** The proxy's sink: never blocks, never throws into the proxy. */
  readonly sink: EgressDenialSink = (d) => {
    const denial: EgressDenial = {
      at: new Date().toISOString(),
      sandbox_id: d.sandboxId,
      host: d.host,
      port: d.port,
      kind: d.kind,
      reason: d.reason,
      rule: d.rule,
    };
    let list = this.kept.get(d.sandboxId);
    if (!list) this.kept.set(d.sandboxId, (list = []));
    list.push(denial);
    if (list.length > EGRESS_DENIALS_KEPT) list.shift();
    this.durable(denial);
    for (const listener of this.followers.get(d.sandboxId) ?? []) listener(denial);
  };

  /** The kept refusals of a sandbox, oldest first. */
  recent(sandboxId: string): EgressDenial[] {
    return [...(this.kept.get(sandboxId) ?? [])];
  }

  /** Follows a sandbox's refusals from now on; returns the stop. */
  follow(sandboxId: string, listener: Listener): () => void {
    let set = this.followers.get(sandboxId);
    if (!set) this.followers.set(sandboxId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.followers.delete(sandboxId);
    };
  }

  /** A sandbox deleted: its refusals go with it. */
  forget(sandboxId: string): void {
    this.kept.delete(sandboxId);
  }
}
