import { AllowedWindows } from './allowedWindows.js';
import type { Decision } from './destination.js';
import type {
  EgressAuditRecord,
  EgressAuditSink,
  EgressDenialSink,
  EgressEventSink,
  EgressLogger,
  EgressSandbox,
  Injection,
} from './ports.js';

/** One refusal event per sandbox, host and decision this long; allowed requests counted per as long. */
const RECORD_EVERY_MS = 60_000;

export interface EgressRecorderOptions {
  events: EgressEventSink;
  audit: EgressAuditSink;
  log: EgressLogger;
  /** Told every refusal, unsampled: its owner audits each one (the daemon, in batches). */
  denials: EgressDenialSink;
}

/**
 * What the proxy decided. Allowed requests go to the audit counted per sandbox, destination and
 * RECORD_EVERY_MS (AllowedWindows); refusals to the event log by a flood's first per
 * RECORD_EVERY_MS, and every one, unsampled, to the denial sink, whose owner audits each.
 * Recording never holds a request up; a failure to record is logged, never answered.
 */
export class EgressRecorder {
  private readonly recorded = new Map<string, number>();
  private readonly allowed: AllowedWindows;

  constructor(private readonly o: EgressRecorderOptions) {
    this.allowed = new AllowedWindows(
      (sandbox, details) => this.audit(sandbox, details),
      RECORD_EVERY_MS,
    );
  }

  /** At shutdown: the allowed requests counted so far are written. */
  close(): void {
    this.allowed.close();
  }

  /** A decision about `host:port`, with the config keys whose values went into it. */
  decision(
    sandbox: EgressSandbox,
    host: string,
    port: number,
    d: Decision,
    injections: Injection[] = [],
  ): void {
    const key = `${sandbox.id} ${host}:${port} ${d.ok} ${injections.length}`;
    const details = {
      host,
      port,
      decision: d.ok ? 'allowed' : 'denied',
      rule: d.rule,
      // The keys whose values go into the requests; never the values.
      ...(injections.length > 0 ? { injected: injections.map((i) => i.key) } : {}),
    };
    if (d.ok) {
      this.allowed.count(key, sandbox, details);
      return;
    }
    this.tell({
      sandboxId: sandbox.id,
      host,
      port,
      reason: d.reason,
      rule: d.rule,
      kind: 'destination',
    });
    if (this.firstInWindow(key)) {
      void this.o.events
        .append({
          owner: sandbox.owner_id,
          sandboxId: sandbox.id,
          type: 'egress.denied',
          severity: 'warn',
          message: `Egress to ${host}:${port} refused: ${d.reason}`,
          payload: { ...details, reason: d.reason },
        })
        .catch(this.failed);
    }
  }

  /** A connection refused because the sandbox already holds `max` open. */
  connectionLimit(sandbox: EgressSandbox, max: number): void {
    const reason = `more than ${max} connections open at once (egress_connections_max)`;
    this.tell({
      sandboxId: sandbox.id,
      host: null,
      port: null,
      reason,
      rule: null,
      kind: 'connection_limit',
    });
    if (!this.firstInWindow(`${sandbox.id} connection limit`)) return;
    void this.o.events
      .append({
        owner: sandbox.owner_id,
        sandboxId: sandbox.id,
        type: 'egress.limited',
        severity: 'warn',
        message: `Egress connections refused: ${reason}`,
        payload: { reason, limit: max },
      })
      .catch(this.failed);
  }

  /** The proxy could not be offered to a sandbox: it has no way out until it restarts. */
  async unavailable(sandbox: EgressSandbox, err: unknown): Promise<void> {
    await this.o.events
      .append({
        owner: sandbox.owner_id,
        sandboxId: sandbox.id,
        type: 'egress.unavailable',
        severity: 'warn',
        message: 'The egress proxy could not be offered to this sandbox; restart it',
        payload: { reason: err instanceof Error ? err.message : String(err) },
      })
      .catch(() => undefined);
  }

  /** True once per key per RECORD_EVERY_MS: what is recorded of a flood is its first. */
  private firstInWindow(key: string): boolean {
    const now = Date.now();
    if (now - (this.recorded.get(key) ?? 0) < RECORD_EVERY_MS) return false;
    this.recorded.set(key, now);
    if (this.recorded.size > 10_000) this.recorded.clear();
    return true;
  }

  private tell(denial: Parameters<EgressDenialSink>[0]): void {
    try {
      this.o.denials(denial);
    } catch (err) {
      this.failed(err);
    }
  }

  private readonly failed = (err: unknown) =>
    this.o.log.warn({ err }, 'recording an egress decision failed');

  private audit(sandbox: EgressSandbox, details: EgressAuditRecord['details']): void {
    void this.o.audit
      .record({
        actor: { owner: sandbox.owner_id, keyId: `sandbox:${sandbox.id}` },
        action: 'egress',
        target: { type: 'sandbox', id: sandbox.id },
        outcome: 'ok',
        details,
      })
      .catch(this.failed);
  }
}
