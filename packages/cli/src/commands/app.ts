import { parseArgs } from 'node:util';
import type { App, Checkpoint, InstallResult } from '@paddock/shared';
import { ROUTES, type Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { legacyClient } from '../client.js';
import { exportApp } from './appExport.js';
import { emit, emitTable, isJson } from '../output.js';
import { formatFields } from '../table.js';
import { confirmImport, gitSync, importProject } from './appProject.js';
import { waitForApp } from './appWait.js';
import { printInstallResult } from './userspaceOutput.js';
import { publishRequest } from './userspaceRequests.js';

function summary(app: App): string {
  const sb = app.sandbox;
  const status = sb ? `${sb.status}/${sb.preview.status}` : 'no-sandbox';
  return [app.id, app.name, app.preset ?? 'imported', status].join('\t');
}

/** An app's human form: what it is and where its sandbox and preview stand. */
function printApp(a: App): void {
  const sb = a.sandbox;
  console.log(
    formatFields([
      ['id', a.id],
      ['name', a.name],
      ['preset', a.preset ?? 'imported'],
      ['sandbox', sb?.id],
      ['status', sb?.status],
      ['preview', sb ? `${sb.preview.status} ${sb.preview.url ?? ''}` : null],
      ['created', a.created_at],
    ]),
  );
}

/** Waits for the app to serve (ten minutes: a first dependency install), then prints it. */
async function waited(pd: Paddock, appId: string): Promise<number> {
  const result = await waitForApp(pd, appId, 10 * 60_000);
  emit(result.app, (a) => console.log(summary(a)));
  if (result.ready) return 0;
  console.error(`paddock: app ${appId} is not ready: ${result.reason}`);
  return 1;
}

/** `*` for HEAD, the short hash, kind, task, time, line counts and the title. */
function checkpointLine(c: Checkpoint): string {
  const changes = `+${c.changes.added}/-${c.changes.removed} in ${c.changes.files}`;
  const sha = `${c.head ? '*' : ' '}${c.sha.slice(0, 12)}`;
  return [sha, c.kind, c.task_id ?? '-', c.created_at, changes, c.title].join('\t');
}

export async function app(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'presets': {
      emitTable(await pd.apps.presets(), ['NAME', 'TITLE'], (p) => [p.name, p.title]);
      return 0;
    }
    case 'create': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { preset: { type: 'string' }, wait: { type: 'boolean' } },
      });
      if (positionals.length !== 1 || !values.preset) break;
      const created = await pd.transport.call(ROUTES.apps.create, {
        body: { name: positionals[0]!, preset: values.preset },
      });
      if (values.wait) return waited(pd, created.id);
      emit(created, (a) => console.log(summary(a)));
      return 0;
    }
    case 'ls': {
      parseArgs({ args: rest, options: {} });
      const items: App[] = [];
      let cursor: string | undefined;
      do {
        const page = await pd.apps.list({ limit: 500, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      emitTable(items, ['ID', 'NAME', 'PRESET', 'SANDBOX', 'STATUS'], (a) => [
        a.id,
        a.name,
        a.preset ?? 'imported',
        a.sandbox?.id,
        a.sandbox ? `${a.sandbox.status}/${a.sandbox.preview.status}` : 'no-sandbox',
      ]);
      return 0;
    }
    case 'get': {
      if (rest.length !== 1) break;
      emit((await pd.apps.get(rest[0]!)).info, printApp);
      return 0;
    }
    case 'url': {
      if (rest.length !== 1) break;
      const got = (await pd.apps.get(rest[0]!)).info;
      const url = got.sandbox?.preview.url;
      if (!url) {
        console.error('paddock: this app has no preview (no web process)');
        return 1;
      }
      emit({ url }, () => console.log(url));
      return 0;
    }
    case 'wake': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { wait: { type: 'boolean' } },
      });
      if (positionals.length !== 1) break;
      const woke = await pd.transport.call(ROUTES.apps.wake, { params: { id: positionals[0]! } });
      if (values.wait) return waited(pd, woke.id);
      emit(woke, (a) => console.log(summary(a)));
      return 0;
    }
    case 'checkpoints': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { limit: { type: 'string' } },
      });
      if (positionals.length !== 1) break;
      const page = await pd.transport.call(ROUTES.apps.listCheckpoints, {
        params: { id: positionals[0]! },
        query: values.limit ? { limit: Number(values.limit) } : {},
      });
      emit(page.items, (items) => items.forEach((c) => console.log(checkpointLine(c))));
      return 0;
    }
    case 'fork': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { name: { type: 'string' } },
      });
      if (positionals.length !== 2) break;
      const [id, sha] = positionals as [string, string];
      const forked = await pd.transport.call(ROUTES.apps.forkCheckpoint, {
        params: { id, sha },
        body: values.name ? { name: values.name } : {},
      });
      emit(forked, (a) => console.log(summary(a)));
      return 0;
    }
    case 'publish': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { consent: { type: 'boolean' } },
      });
      if (positionals.length !== 1) break;
      const req = publishRequest(positionals[0]!, values.consent === true);
      const result = await legacyClient().json<InstallResult>(req.method, req.path, req.json);
      return printInstallResult(result, isJson());
    }
    case 'export':
      return exportApp(legacyClient(), rest);
    case 'import':
      return importProject(legacyClient(), rest);
    case 'confirm':
      return confirmImport(legacyClient(), rest);
    case 'push':
    case 'pull':
      return gitSync(legacyClient(), sub, rest);
    case 'rm': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { purge: { type: 'boolean' } },
      });
      if (positionals.length === 0) break;
      for (const id of positionals) {
        const query = values.purge ? { purge: true } : {};
        await pd.transport.call(ROUTES.apps.delete, { params: { id }, query });
      }
      emit({ deleted: positionals }, ({ deleted }) => console.log(deleted.join('\n')));
      return 0;
    }
  }
  throw new UsageError('');
}
