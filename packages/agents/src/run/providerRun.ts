import { PaddockError, type TaskUsage } from '@paddock/shared';
import type { OutputParser, TaskProvider } from '../taskProvider.js';
import type { TaskHost, TaskWorkspace } from './taskWorkspace.js';
import type { AgentOutcome } from './taskVerdict.js';

export interface ProviderRunRequest {
  taskId: string;
  provider: TaskProvider;
  /** The task's input; it has passed the API schema for this provider. */
  input: Record<string, unknown>;
  /** The limit the guest agent enforces on the process. */
  timeoutMs: number;
  /** US dollars the run may spend, as its CLI reports cost; absent: no limit. */
  spendLimitUsd?: number;
}

/** How the provider's run ended, and the model usage its CLI reported. */
export interface ProviderEnd {
  outcome: AgentOutcome;
  usage: TaskUsage | null;
}

/** The provider's command in the workspace; its output, parsed, into the task log. */
export async function runProvider(
  host: TaskHost,
  workspace: TaskWorkspace,
  req: ProviderRunRequest,
  signal: AbortSignal,
): Promise<ProviderEnd> {
  const end = await runCommand(host, workspace, req, signal);
  return { outcome: end.outcome, usage: end.parser.usage?.value() ?? null };
}

async function runCommand(
  host: TaskHost,
  workspace: TaskWorkspace,
  req: ProviderRunRequest,
  signal: AbortSignal,
): Promise<{ outcome: AgentOutcome; parser: OutputParser }> {
  const { provider, input } = req;
  const toolPath = provider.tool
    ? `${await host.toolDir(provider.tool.tool)}/${provider.tool.bin}`
    : null;
  const run = provider.run(input, { taskId: req.taskId, toolPath });
  // The provider's own variables win over config: a config key cannot move a CLI's state.
  const env = { ...(await host.configEnv()), ...run.env };
  const keyVariable = provider.keyVariable?.(input);
  if (keyVariable !== undefined && env[keyVariable] === undefined) {
    host.log(
      `[paddock] this app's agent config has no ${keyVariable}: add it as a sensitive value ` +
        `with access_policy agent_access and an injection rule for the model API's host.\n`,
    );
  }
  let outcome: AgentOutcome = { exit_code: null, state: 'killed' };
  // Hanging up on the stream kills the agent; a run past its spend limit is hung up on too.
  const overBudget = new AbortController();
  const stop = AbortSignal.any([signal, overBudget.signal]);
  const checkSpend = (): void => {
    const spent = run.parser.usage?.costUsd ?? null;
    if (req.spendLimitUsd === undefined || spent === null || spent < req.spendLimitUsd) return;
    host.log(
      `\n[paddock] stopping the agent: it has spent $${spent.toFixed(4)}, ` +
        `the $${req.spendLimitUsd.toFixed(4)} left of this month's spend limit\n`,
    );
    overBudget.abort();
  };
  try {
    for await (const frame of workspace.execStream(
      { argv: run.argv, env, timeout_ms: req.timeoutMs },
      stop,
    )) {
      if (frame.event === 'stdout') {
        host.log(run.parser.push(frame.data.text));
        checkSpend();
      } else if (frame.event === 'stderr') host.log(frame.data.text);
      else if (frame.event === 'exit') {
        outcome = { exit_code: frame.data.exit_code, state: frame.data.state };
      } else if (frame.event === 'error') {
        throw new PaddockError('agent_error', frame.data.message);
      }
    }
  } catch (err) {
    if (!stop.aborted) throw err;
  } finally {
    host.log(run.parser.end());
  }
  if (overBudget.signal.aborted && !signal.aborted) {
    return { outcome: { exit_code: null, state: 'over_budget' }, parser: run.parser };
  }
  // Hanging up the stream makes the agent kill the process group. A limit that fired on the
  // daemon's side (the agent did not enforce the timeout) is a timeout too.
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    const state = reason?.name === 'TimeoutError' ? 'timed_out' : 'canceled';
    return { outcome: { exit_code: null, state }, parser: run.parser };
  }
  return { outcome, parser: run.parser };
}
