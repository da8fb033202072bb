import { AGENT_PROVIDERS } from '@paddock/shared';
import type { Task, TaskHandle, TaskSpec } from '@paddock/sdk';
import { Type } from 'typebox';
import { HOW_TO_READ_ALL, tailOf } from '../outputCap.js';
import { InputError, sandboxOf, targeted } from '../target.js';
import { reply, tool, type ToolContext } from '../tool.js';

const TaskId = Type.String({ description: "The task's id" });
const FINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out']);

/** A task's verdict and what it changed, as text and as structured content. */
export function taskReply(task: Task) {
  const r = task.result;
  const lines = [
    `task ${task.id}: ${task.status}${task.status_reason ? ` (${task.status_reason})` : ''}`,
  ];
  if (r) {
    lines.push(`build ${r.build_status}, app ${r.app_healthy ? 'healthy' : 'not healthy'}`);
    if (r.preview_ok !== undefined) lines.push(`preview ${r.preview_ok ? 'ok' : 'failing'}`);
    lines.push(`files changed: ${r.files_changed.map((f) => f.path).join(', ') || 'none'}`);
    if (r.checkpoint) lines.push(`checkpoint ${r.checkpoint}`);
  }
  if (!FINAL.has(task.status)) lines.push('Still going: poll it with task_get.');
  else lines.push('See its changes with task_diff.');
  return reply(lines.join('\n'), {
    task_id: task.id,
    sandbox_id: task.sandbox_id,
    status: task.status,
    result: task.result,
  });
}

/** Follows a task to its end, telling the caller each status and each log line's count. */
async function follow(handle: TaskHandle, ctx: ToolContext): Promise<Task> {
  let step = 0;
  await ctx.progress(step, `task ${handle.id} ${handle.task.status}`);
  for await (const frame of handle.events({ signal: ctx.signal })) {
    if (frame.event === 'result') return frame.data;
    const last =
      frame.event === 'status' ? frame.data.status : frame.data.text.trim().split('\n').pop();
    if (last) await ctx.progress(++step, frame.event === 'status' ? `status ${last}` : last);
  }
  return handle.wait({ signal: ctx.signal });
}

export const taskTools = [
  tool({
    name: 'task_run',
    title: 'Run a task',
    description:
      "Runs an agent task in an app's sandbox: a coding agent CLI with a prompt, or " +
      '(`provider: command`) a shell script. When it ends Paddock builds the app, checks its ' +
      'preview and records a checkpoint. With `wait` (default) the call returns the verdict, ' +
      'reporting progress on the way; with `wait: false` it returns the task id to poll with task_get.',
    input: targeted({
      provider: Type.Enum(['command', ...AGENT_PROVIDERS], { description: 'Who does the work' }),
      prompt: Type.Optional(Type.String({ minLength: 1, description: "An agent's instructions" })),
      script: Type.Optional(Type.String({ minLength: 1, description: 'For provider command' })),
      wait: Type.Optional(Type.Boolean({ default: true })),
      timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
    }),
    run: async (args, ctx) => {
      const sb = await sandboxOf(ctx.pd, args, ctx.signal);
      const handle = await sb.runTask(specOf(args), {
        ...(args.timeout_seconds ? { timeoutSeconds: args.timeout_seconds } : {}),
        signal: ctx.signal,
      });
      return taskReply(args.wait === false ? handle.task : await follow(handle, ctx));
    },
  }),
  tool({
    name: 'task_get',
    title: 'Get a task',
    description: "A task's status and, once it ended, its verdict (build, preview, changed files).",
    input: Type.Object({ task_id: TaskId }, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) =>
      taskReply((await pd.tasks.get(args.task_id, { signal })).task),
  }),
  tool({
    name: 'task_diff',
    title: "A task's diff",
    description: "A finished task's changes as a unified diff (empty while it runs).",
    input: Type.Object({ task_id: TaskId }, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) => {
      const diff = await (await pd.tasks.get(args.task_id, { signal })).diff({ signal });
      const shown = tailOf(diff);
      const note = shown.cut ? `\n[diff cut to its end: ${HOW_TO_READ_ALL}, e.g. git show]` : '';
      return reply(`${shown.text || '(no changes)'}${note}`, {
        task_id: args.task_id,
        cut: shown.cut,
      });
    },
  }),
];

function specOf(args: { provider: string; prompt?: string; script?: string }): TaskSpec {
  if (args.provider === 'command') {
    if (!args.script) throw new InputError('provider command needs a script');
    return { provider: 'command', script: args.script };
  }
  if (!args.prompt) throw new InputError(`provider ${args.provider} needs a prompt`);
  return { provider: args.provider as (typeof AGENT_PROVIDERS)[number], prompt: args.prompt };
}
