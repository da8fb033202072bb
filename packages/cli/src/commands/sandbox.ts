import { parseArgs } from 'node:util';
import type { Sandbox } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';
import { keyValues } from '../args.js';
import { shell } from './shell.js';

const USAGE = `usage:
  paddock sandbox create [--memory MB] [--cpus N] [--pids N] [--disk MB] [--env K=V]... [--meta K=V]... [--json]
  paddock sandbox ls [--status STATUS] [--json]
  paddock sandbox get ID
  paddock sandbox stop|start ID
  paddock sandbox rm ID...
  paddock sandbox shell ID [--cwd DIR] [--shell PATH]`;

export async function sandbox(api: ApiClient, argv: string[]): Promise<number> {
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
          json: { type: 'boolean' },
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
      };
      const sb = await api.json<Sandbox>('POST', '/v1/sandboxes', body);
      console.log(values.json ? JSON.stringify(sb, null, 2) : sb.id);
      return 0;
    }
    case 'ls': {
      const { values } = parseArgs({
        args: rest,
        options: { status: { type: 'string' }, json: { type: 'boolean' } },
      });
      const items: Sandbox[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500' });
        if (values.status) q.set('status', values.status);
        if (cursor) q.set('cursor', cursor);
        const page: { items: Sandbox[]; next_cursor: string | null } = await api.json(
          'GET',
          `/v1/sandboxes?${q.toString()}`,
        );
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      if (values.json) {
        console.log(JSON.stringify(items, null, 2));
      } else {
        console.log(['ID', 'STATUS', 'MEMORY', 'CPUS', 'CREATED'].join('\t'));
        for (const s of items) {
          console.log(
            [s.id, s.status, `${s.limits.memory_mb}M`, s.limits.cpus, s.created_at].join('\t'),
          );
        }
      }
      return 0;
    }
    case 'get': {
      if (!rest[0]) break;
      console.log(JSON.stringify(await api.json('GET', `/v1/sandboxes/${rest[0]}`), null, 2));
      return 0;
    }
    case 'stop':
    case 'start': {
      if (!rest[0]) break;
      const sb = await api.json<Sandbox>('POST', `/v1/sandboxes/${rest[0]}/${sub}`, {});
      console.log(`${sb.id}\t${sb.status}`);
      return 0;
    }
    case 'shell': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { cwd: { type: 'string' }, shell: { type: 'string' } },
      });
      if (positionals.length !== 1) break;
      return shell(api.conn, positionals[0] as string, values);
    }
    case 'rm': {
      if (rest.length === 0) break;
      for (const id of rest) {
        await api.json('DELETE', `/v1/sandboxes/${id}`);
        console.log(id);
      }
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}
