import { PaddockError } from '@paddock/shared';
import type { TaskProvider } from '../taskProvider.js';
import type { TaskHost, TaskWorkspace } from './taskWorkspace.js';
import type { AgentOutcome } from './taskVerdict.js';

export interface ProviderRunRequest {
  taskId: string;
  provider: TaskProvider;
  /** The task's input; it has passed the API schema for this provider. */
  input: Record<string, unknown>;
  /** The limit the guest agent enforces on the process. */
  timeoutMs: number;
}

/** The provider's command in the workspace; its output, parsed, into the task log. */
export async function runProvider(
  host: TaskHost,
  workspace: TaskWorkspace,
  req: ProviderRunRequest,
  signal: AbortSignal,
): Promise<AgentOutcome> {
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
  try {
    for await (const frame of workspace.execStream(
      { argv: run.argv, env, timeout_ms: req.timeoutMs },
      signal,
    )) {
      if (frame.event === 'stdout') host.log(run.parser.push(frame.data.text));
      else if (frame.event === 'stderr') host.log(frame.data.text);
      else if (frame.event === 'exit') {
        outcome = { exit_code: frame.data.exit_code, state: frame.data.state };
      } else if (frame.event === 'error') {
        throw new PaddockError('agent_error', frame.data.message);
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    host.log(run.parser.end());
  }
  // Hanging up the stream makes the agent kill the process group. A limit that fired on the
  // daemon's side (the agent did not enforce the timeout) is a timeout too.
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    return {
      exit_code: null,
      state: reason?.name === 'TimeoutError' ? 'timed_out' : 'canceled',
    };
  }
  return outcome;
}
