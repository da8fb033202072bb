import type { ExecState, TaskResult, TaskStatus } from '@paddock/shared';

/**
 * How the agent's process ended, as the guest agent reports it, or the run's own limits:
 * `canceled`, or `over_budget` when its reported cost reached the spend it was allowed.
 */
export interface AgentOutcome {
  exit_code: number | null;
  state: ExecState | 'canceled' | 'over_budget';
}

/** A finished run's status, and why it failed. */
export function taskVerdict(
  canceled: boolean,
  outcome: AgentOutcome,
  build_status: TaskResult['build_status'],
): { status: TaskStatus; reason: string | null } {
  const status: TaskStatus = canceled
    ? 'canceled'
    : outcome.state === 'timed_out'
      ? 'timed_out'
      : outcome.exit_code === 0 && build_status !== 'failed'
        ? 'succeeded'
        : 'failed';
  const reason =
    status === 'failed'
      ? outcome.state === 'over_budget'
        ? 'the agent was stopped at the spend limit'
        : outcome.exit_code !== 0
          ? `the agent exited with ${outcome.exit_code ?? outcome.state}`
          : 'the build check failed'
      : null;
  return { status, reason };
}
