import { parseArgs } from 'node:util';
import type { Paddock, QueryOf, ROUTES, SandboxInfo, SandboxRecord } from '@paddock/sdk';
import { UsageError, keyValues } from '../args.js';
import { resolveConnection } from '../connection.js';
import { emit, emitTable } from '../output.js';
import { formatFields } from '../table.js';
import { shell } from './shell.js';

export async function sandbox(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          memory: { type: 'string' },
          cpus: { type: 'string' },
          pids: { type: 'string' },
          disk: { type: 'string' },
          env: { type: 'string', multiple: true },
          meta: { type: 'string', multiple: true },
          filestore: { type: 'string', multiple: true },
        },
      });
      const limits: Record<string, number> = {};
      if (values.memory) limits.memory_mb = Number(values.memory);
      if (values.cpus) limits.cpus = Number(values.cpus);
      if (values.pids) limits.pids = Number(values.pids);
      if (values.disk) limits.disk_mb = Number(values.disk);
      const body = {
        ...(Object.keys(limits).length ? { limits } : {}),
        ...(values.env ? { env: keyValues(values.env) } : {}),
        ...(values.meta ? { metadata: keyValues(values.meta) } : {}),
        ...(values.filestore ? { filestores: values.filestore.map(filestoreMount) } : {}),
      };
      const sb = await pd.sandboxes.create(body);
      emit(sb.info, () => console.log(sb.id));
      return 0;
    }
    case 'ls': {
      const { values } = parseArgs({
        args: rest,
        options: { status: { type: 'string' } },
      });
      type Query = NonNullable<QueryOf<typeof ROUTES.sandboxes.list>>;
      const query = { limit: 500, ...(values.status ? { status: values.status } : {}) } as Query;
      const items: SandboxRecord[] = [];
      for await (const s of pd.sandboxes.all(query)) items.push(s);
      emitTable(items, ['ID', 'STATUS', 'MEMORY', 'CPUS', 'CREATED'], (s) => [
        s.id,
        s.status,
        `${s.limits.memory_mb}M`,
        s.limits.cpus,
        s.created_at,
      ]);
      return 0;
    }
    case 'get': {
      if (!rest[0]) break;
      emit((await pd.sandboxes.get(rest[0])).info as SandboxInfo, printSandbox);
      return 0;
    }
    case 'stop':
    case 'start': {
      if (!rest[0]) break;
      const handle = pd.sandboxes.connect(rest[0]);
      const sb = await (sub === 'stop' ? handle.stop() : handle.start());
      emit(sb, () => console.log(`${sb.id}\t${sb.status}`));
      return 0;
    }
    case 'shell': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { cwd: { type: 'string' }, shell: { type: 'string' } },
      });
      if (positionals.length !== 1) break;
      return shell(resolveConnection(), positionals[0] as string, values);
    }
    case 'rm': {
      if (rest.length === 0) break;
      for (const id of rest) await pd.sandboxes.connect(id).delete();
      emit({ deleted: rest }, ({ deleted }) => console.log(deleted.join('\n')));
      return 0;
    }
  }
  throw new UsageError('');
}

/** A sandbox's human form: status, limits, preview and processes. */
function printSandbox(s: SandboxInfo): void {
  console.log(
    formatFields([
      ['id', s.id],
      ['status', s.status],
      ['limits', `${s.limits.memory_mb}M memory, ${s.limits.cpus} cpus`],
      ['preview', `${s.preview.status} ${s.preview.url ?? ''}`],
      ['processes', s.processes.map((p) => `${p.name}:${p.status}`).join(' ') || '-'],
      ['created', s.created_at],
    ]),
  );
}

/** `NAME:/data/PATH[:rw|ro]`, or `NAME` alone (reachable through the token only). */
function filestoreMount(spec: string): { filestore: string; path?: string; mode?: 'ro' | 'rw' } {
  const [filestore, at, mode, ...extra] = spec.split(':');
  if (!filestore || extra.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new UsageError(`--filestore takes NAME[:/data/PATH[:ro|rw]], not ${spec}`);
  }
  return { filestore, ...(at ? { path: at } : {}), ...(mode ? { mode } : {}) };
}
