import type { FastifyBaseLogger } from 'fastify';
import type { AgentClients } from '@paddock/guest-agent';
import { PaddockError, type SandboxDriver, type SandboxObservation } from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxLifecycle } from './sandboxLifecycle.js';
import type { SandboxRow, SandboxStore } from './sandboxStore.js';

/**
 * A running sandbox whose guest agent is gone (OOM-killed, exited): what is left of it is
 * stopped, its data mounts brought home, its row marked failed with the reason, and the failure
 * told. Called under the sandbox's lock; returns the error its caller reports.
 */
export async function recordDeadSandbox(
  d: {
    store: SandboxStore;
    driver: SandboxDriver;
    events: EventLog;
    log: FastifyBaseLogger;
    lifecycle: SandboxLifecycle;
    clients: AgentClients;
  },
  current: SandboxRow,
  seen: SandboxObservation,
): Promise<PaddockError> {
  const id = current.id;
  d.lifecycle.ended(id);
  const oom = seen.oom_kills > current.oom_kills;
  const reason = oom
    ? 'the guest agent was killed for exceeding the memory limit'
    : 'the guest agent exited';
  d.clients.drop(id);
  await d.driver.stop(id, { graceMs: 0 }).catch((err: unknown) => {
    d.log.warn({ err, sandbox_id: id }, 'cleaning up a dead sandbox failed');
  });
  await d.lifecycle.dataMounts.halted(id);
  await d.store.update(id, {
    status: 'failed',
    status_reason: reason,
    stopped_at: new Date().toISOString(),
    oom_kills: Math.max(seen.oom_kills, current.oom_kills),
  });
  d.lifecycle.changed(id);
  await d.events.append({
    owner: current.owner_id,
    sandboxId: id,
    type: 'sandbox.failed',
    severity: 'error',
    message: `Sandbox failed: ${reason}`,
    payload: { reason: oom ? 'oom' : 'agent_exited', oom_kills: seen.oom_kills },
  });
  return new PaddockError('sandbox_not_running', `sandbox ${id} failed: ${reason}; start it again`);
}
