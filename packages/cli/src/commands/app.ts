import { parseArgs } from 'node:util';
import type { App, Checkpoint, CheckpointPage, InstallResult } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';
import { exportApp } from './appExport.js';
import { PROJECT_USAGE, confirmImport, gitSync, importProject } from './appProject.js';
import { printInstallResult } from './userspaceOutput.js';
import { publishRequest } from './userspaceRequests.js';

const USAGE = `usage:
  paddock app presets
  paddock app create NAME --preset PRESET [--json]
  paddock app ls [--json]
  paddock app get ID                 (the app with its sandbox, processes and preview)
  paddock app url ID                 (the preview link, to open in a browser)
  paddock app wake ID
  paddock app rm ID [--purge]        (--purge also deletes the workspace)
  paddock app checkpoints ID [--limit N] [--json]
                                     (newest first; * marks the workspace's HEAD)
  paddock app fork ID CHECKPOINT [--name NAME]
                                     (a new app starting from the checkpoint; from a snapshot:
                                     paddock snapshot fork)
  paddock app publish ID [--consent] [--json]
                                     (build, package, sign with the app's key and install it as a
                                     userspace app; --consent grants what the package requires)
  paddock app export ID [--format tar.gz|zip] [--git] [-o FILE]
${PROJECT_USAGE}`;

function summary(app: App): string {
  const sb = app.sandbox;
  const status = sb ? `${sb.status}/${sb.preview.status}` : 'no-sandbox';
  return [app.id, app.name, app.preset ?? 'imported', status].join('\t');
}

/** `*` for HEAD, the short hash, kind, task, time, line counts and the title. */
function checkpointLine(c: Checkpoint): string {
  const changes = `+${c.changes.added}/-${c.changes.removed} in ${c.changes.files}`;
  const sha = `${c.head ? '*' : ' '}${c.sha.slice(0, 12)}`;
  return [sha, c.kind, c.task_id ?? '-', c.created_at, changes, c.title].join('\t');
}

export async function app(api: ApiClient, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'presets': {
      const { items } = await api.json<{ items: { name: string; title: string }[] }>(
        'GET',
        '/v1/presets',
      );
      for (const p of items) console.log(`${p.name}\t${p.title}`);
      return 0;
    }
    case 'create': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { preset: { type: 'string' }, json: { type: 'boolean' } },
      });
      if (positionals.length !== 1 || !values.preset) break;
      const created = await api.json<App>('POST', '/v1/apps', {
        name: positionals[0],
        preset: values.preset,
      });
      console.log(values.json ? JSON.stringify(created, null, 2) : summary(created));
      return 0;
    }
    case 'ls': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const items: App[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
        const page: { items: App[]; next_cursor: string | null } = await api.json(
          'GET',
          `/v1/apps?${q.toString()}`,
        );
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      if (values.json) console.log(JSON.stringify(items, null, 2));
      else for (const a of items) console.log(summary(a));
      return 0;
    }
    case 'get': {
      if (rest.length !== 1) break;
      console.log(JSON.stringify(await api.json('GET', `/v1/apps/${rest[0]}`), null, 2));
      return 0;
    }
    case 'url': {
      if (rest.length !== 1) break;
      const got = await api.json<App>('GET', `/v1/apps/${rest[0]}`);
      const url = got.sandbox?.preview.url;
      if (!url) {
        console.error('paddock: this app has no preview (no web process)');
        return 1;
      }
      console.log(url);
      return 0;
    }
    case 'wake': {
      if (rest.length !== 1) break;
      console.log(summary(await api.json<App>('POST', `/v1/apps/${rest[0]}/sandbox`, {})));
      return 0;
    }
    case 'checkpoints': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { limit: { type: 'string' }, json: { type: 'boolean' } },
      });
      if (positionals.length !== 1) break;
      const q = new URLSearchParams(values.limit ? { limit: values.limit } : {});
      const page = await api.json<CheckpointPage>(
        'GET',
        `/v1/apps/${encodeURIComponent(positionals[0]!)}/checkpoints?${q.toString()}`,
      );
      if (values.json) console.log(JSON.stringify(page.items, null, 2));
      else for (const c of page.items) console.log(checkpointLine(c));
      return 0;
    }
    case 'fork': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { name: { type: 'string' } },
      });
      if (positionals.length !== 2) break;
      const [id, sha] = positionals.map(encodeURIComponent);
      const forked = await api.json<App>(
        'POST',
        `/v1/apps/${id}/checkpoints/${sha}/fork`,
        values.name ? { name: values.name } : {},
      );
      console.log(summary(forked));
      return 0;
    }
    case 'publish': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { consent: { type: 'boolean' }, json: { type: 'boolean' } },
      });
      if (positionals.length !== 1) break;
      const req = publishRequest(positionals[0]!, values.consent === true);
      const result = await api.json<InstallResult>(req.method, req.path, req.json);
      return printInstallResult(result, values.json === true);
    }
    case 'export':
      return exportApp(api, rest);
    case 'import':
      return importProject(api, rest);
    case 'confirm':
      return confirmImport(api, rest);
    case 'push':
    case 'pull':
      return gitSync(api, sub, rest);
    case 'rm': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { purge: { type: 'boolean' } },
      });
      if (positionals.length === 0) break;
      for (const id of positionals) {
        await api.json('DELETE', `/v1/apps/${id}${values.purge ? '?purge=true' : ''}`);
        console.log(id);
      }
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}
