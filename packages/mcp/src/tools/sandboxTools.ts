import type { ExecResult } from '@paddock/sdk';
import { Type } from 'typebox';
import { HOW_TO_READ_ALL, OUTPUT_CAP_BYTES, tailOf } from '../outputCap.js';
import { sandboxOf, targeted } from '../target.js';
import { reply, tool } from '../tool.js';

const SandboxId = Type.String({ description: "The sandbox's id (sb…)" });

export const sandboxTools = [
  tool({
    name: 'sandbox_create',
    title: 'Create a sandbox',
    description:
      'Creates and starts an empty sandbox (an isolated Linux workspace with its own processes, ' +
      'files and network policy) and returns its id. For building a web app prefer app_create, ' +
      'which starts from a preset and gives a preview link.',
    input: Type.Object(
      {
        env: Type.Optional(
          Type.Record(Type.String(), Type.String(), { description: 'Environment variables' }),
        ),
        metadata: Type.Optional(
          Type.Record(Type.String(), Type.String(), { description: 'Labels to find it by' }),
        ),
      },
      { additionalProperties: false },
    ),
    run: async (args, { pd, signal }) => {
      const sb = await pd.sandboxes.create({ ...args, signal });
      return reply(`Created sandbox ${sb.id} (${sb.info?.status}).`, {
        sandbox_id: sb.id,
        status: sb.info?.status,
      });
    },
  }),
  tool({
    name: 'sandbox_list',
    title: 'List sandboxes',
    description: 'Lists your sandboxes, newest first, with their status.',
    input: Type.Object({}, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (_args, { pd, signal }) => {
      const page = await pd.sandboxes.list({}, { signal });
      const items = page.items.map((s) => ({ sandbox_id: s.id, status: s.status }));
      const lines = items.map((s) => `${s.sandbox_id}  ${s.status}`);
      return reply(lines.length ? lines.join('\n') : 'No sandboxes.', { items });
    },
  }),
  tool({
    name: 'sandbox_delete',
    title: 'Delete a sandbox',
    description:
      'Deletes a sandbox with its processes and files. This cannot be undone; snapshot it first ' +
      'to keep its workspace.',
    input: Type.Object({ sandbox_id: SandboxId }, { additionalProperties: false }),
    annotations: { destructiveHint: true },
    run: async (args, { pd, signal }) => {
      await pd.sandboxes.connect(args.sandbox_id).delete({ signal });
      return reply(`Deleted sandbox ${args.sandbox_id}.`, { sandbox_id: args.sandbox_id });
    },
  }),
  tool({
    name: 'exec',
    title: 'Run a command',
    description:
      "Runs a shell command (`/bin/sh -c`) in a sandbox or an app's sandbox and waits for it; " +
      'the working directory is the workspace unless `cwd` says otherwise. Returns the exit code ' +
      `and the last ${OUTPUT_CAP_BYTES / 1024} KiB of stdout and of stderr. Use it to install, ` +
      'build and test (e.g. `npm run build`). A non-zero exit is a result, not a tool error.',
    input: targeted({
      command: Type.String({ minLength: 1, description: 'A shell command line' }),
      cwd: Type.Optional(Type.String({ description: 'Working directory (workspace-relative)' })),
      timeout_seconds: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 3600, default: 300, description: 'Kill after this' }),
      ),
    }),
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      const result = await sb.exec(args.command, {
        ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
        signal,
      });
      return execReply(sb.id, result);
    },
  }),
  tool({
    name: 'process_logs',
    title: "A process's log",
    description:
      "The recent log (stdout and stderr interleaved, across restarts) of one of the sandbox's " +
      'manifest processes, such as `web` for the dev server: read it when the preview fails.',
    input: targeted({
      process: Type.String({ default: 'web', description: "The process's name in sandbox.yaml" }),
      tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, description: 'Lines' })),
    }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      const name = args.process ?? 'web';
      const logs = await sb.logs(name, { ...(args.tail ? { tail: args.tail } : {}), signal });
      const shown = tailOf(logs.output);
      const note = shown.cut || logs.truncated ? `\n[cut: only the end of the log is shown]` : '';
      return reply(`${shown.text || '(empty log)'}${note}`, {
        sandbox_id: sb.id,
        process: name,
        cut: shown.cut || logs.truncated,
      });
    },
  }),
];

function execReply(sandboxId: string, r: ExecResult) {
  const out = tailOf(r.stdout);
  const err = tailOf(r.stderr);
  const cut = out.cut || err.cut || r.stdout_truncated || r.stderr_truncated;
  const how = r.state === 'timed_out' ? 'timed out' : r.signal ? `killed by ${r.signal}` : 'exited';
  const text = [
    `${how} with code ${r.exit_code ?? 'none'} after ${Math.round(r.duration_ms)} ms`,
    `--- stdout ---\n${out.text}`,
    `--- stderr ---\n${err.text}`,
    ...(cut ? [`[output cut to its last ${OUTPUT_CAP_BYTES / 1024} KiB: ${HOW_TO_READ_ALL}]`] : []),
  ].join('\n');
  return reply(text, {
    sandbox_id: sandboxId,
    exit_code: r.exit_code,
    state: r.state,
    signal: r.signal,
    stdout: out.text,
    stderr: err.text,
    output_cut: cut,
  });
}
