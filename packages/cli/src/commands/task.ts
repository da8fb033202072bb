import { parseArgs } from 'node:util';
import { ROUTES, type Paddock, type Task, type TaskHandle, type TaskSpec } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, emitTable, isJson } from '../output.js';
import { formatFields } from '../table.js';

/** Prints a task's log as it streams and returns the task as it ended. */
async function follow(handle: TaskHandle): Promise<Task | null> {
  let last: Task | null = null;
  for await (const frame of handle.events()) {
    // --json: the log goes to stderr, so stdout holds only the task's JSON at the end.
    if (frame.event === 'log') (isJson() ? process.stderr : process.stdout).write(frame.data.text);
    else if (frame.event === 'result') last = frame.data;
  }
  return last;
}

function summary(t: Task): string {
  const r = t.result;
  const verdict = r
    ? ` exit=${r.exit_code} build=${r.build_status} healthy=${r.app_healthy}` +
      (r.preview_ok === undefined ? '' : ` preview=${r.preview_ok}`) +
      ` files=${r.files_changed.length} checkpoint=${r.checkpoint?.slice(0, 12) ?? '-'}`
    : '';
  // A run that failed before it had a result says why (the sandbox did not answer, …).
  const why = !r && t.status_reason ? ` (${t.status_reason})` : '';
  return `${t.id}\t${t.status}${verdict}${why}`;
}

export async function task(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          script: { type: 'string' },
          provider: { type: 'string' },
          prompt: { type: 'string' },
          model: { type: 'string' },
          timeout: { type: 'string' },
          follow: { type: 'boolean' },
        },
      });
      if (positionals.length !== 1) break;
      const provider = values.provider ?? 'command';
      if (provider === 'command' ? !values.script : !values.prompt) break;
      const spec = (
        provider === 'command'
          ? { provider, script: values.script }
          : { provider, prompt: values.prompt, ...(values.model ? { model: values.model } : {}) }
      ) as TaskSpec;
      const handle = await pd.tasks.run(positionals[0]!, spec, {
        ...(values.timeout ? { timeoutSeconds: Number(values.timeout) } : {}),
      });
      if (!values.follow) {
        emit(handle.task, (t) => console.log(summary(t)));
        return 0;
      }
      return verdict(await follow(handle));
    }
    case 'ls': {
      if (rest.length !== 1) break;
      emitTable(
        await pd.tasks.list(rest[0]!),
        ['ID', 'PROVIDER', 'STATUS', 'CREATED', 'CHECKPOINT'],
        (t) => [t.id, t.provider, t.status, t.created_at, t.result?.checkpoint?.slice(0, 12)],
      );
      return 0;
    }
    case 'get': {
      if (rest.length !== 1) break;
      emit((await pd.tasks.get(rest[0]!)).task, printTask);
      return 0;
    }
    case 'follow': {
      if (rest.length !== 1) break;
      return verdict(await follow(await pd.tasks.get(rest[0]!)));
    }
    case 'diff': {
      if (rest.length !== 1) break;
      const params = { id: rest[0]! };
      process.stdout.write(await (await pd.transport.send(ROUTES.tasks.diff, { params })).text());
      return 0;
    }
    case 'cancel': {
      if (rest.length !== 1) break;
      const params = { id: rest[0]! };
      emit(await pd.transport.call(ROUTES.tasks.cancel, { params }), (t) =>
        console.log(summary(t as Task)),
      );
      return 0;
    }
  }
  throw new UsageError('');
}

/**
 * The end of a followed task: its verdict on stderr after the log (the task's JSON on stdout
 * with --json); exit 0 only when it succeeded.
 */
function verdict(done: Task | null): number {
  if (done && isJson()) console.log(JSON.stringify(done, null, 2));
  else if (done) console.error(summary(done));
  return done?.status === 'succeeded' ? 0 : 1;
}

function printTask(t: Task): void {
  const r = t.result;
  console.log(
    formatFields([
      ['id', t.id],
      ['sandbox', t.sandbox_id],
      ['provider', t.provider],
      ['status', t.status_reason ? `${t.status} (${t.status_reason})` : t.status],
      ['exit code', r?.exit_code],
      ['build', r?.build_status],
      ['files changed', r?.files_changed.length],
      ['checkpoint', r?.checkpoint],
      ['created', t.created_at],
    ]),
  );
}
