import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { App, Snapshot } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';
import { emit, emitTable } from '../output.js';
import { progressCounter, uploadBody } from '../progress.js';

function summary(s: Snapshot): string {
  const size = `${s.files} files, ${s.size_bytes} bytes (${s.new_bytes} new)`;
  return `${s.id}\t${s.status}\t${s.name}\t${s.status === 'failed' ? (s.error ?? '') : size}`;
}

export async function snapshot(api: ApiClient, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      output: { type: 'string', short: 'o' },
      yes: { type: 'boolean' },
    },
  });
  const [first, second] = positionals;
  switch (sub) {
    case 'create': {
      if (positionals.length !== 2) break;
      const body = { name: second };
      emit(await api.json<Snapshot>('POST', `/v1/sandboxes/${first}/snapshots`, body), (s) =>
        console.log(summary(s)),
      );
      return 0;
    }
    case 'ls': {
      if (positionals.length !== 1) break;
      const { items } = await api.json<{ items: Snapshot[] }>('GET', `/v1/apps/${first}/snapshots`);
      emitTable(items, ['ID', 'STATUS', 'NAME', 'FILES', 'BYTES', 'CREATED'], (s) => [
        s.id,
        s.status,
        s.name,
        s.files,
        s.size_bytes,
        s.created_at,
      ]);
      return 0;
    }
    case 'get': {
      if (positionals.length !== 1) break;
      emit(await api.json<Snapshot>('GET', `/v1/snapshots/${first}`), (s) =>
        console.log(summary(s)),
      );
      return 0;
    }
    case 'rm': {
      if (positionals.length !== 1) break;
      await api.json('DELETE', `/v1/snapshots/${first}`);
      emit({ deleted: first }, () => console.log(first));
      return 0;
    }
    case 'export': {
      if (positionals.length !== 1) break;
      const res = await api.request('GET', `/v1/snapshots/${first}/export`);
      const out = values.output ? fs.createWriteStream(values.output) : process.stdout;
      const total = Number(res.headers.get('content-length')) || undefined;
      await pipeline(Readable.fromWeb(res.body as never), progressCounter('exporting', total), out);
      return 0;
    }
    case 'import': {
      if (positionals.length !== 1 || !values.name) break;
      const res = await api.request(
        'POST',
        `/v1/snapshots/import?name=${encodeURIComponent(values.name)}`,
        { body: uploadBody(first!, 'importing') },
      );
      emit((await res.json()) as Snapshot, (s) => console.log(summary(s)));
      return 0;
    }
    case 'restore': {
      if (positionals.length !== 2) break;
      if (!values.yes) {
        throw new UsageError("restore replaces the app's workspace with the snapshot; add --yes");
      }
      const r = await api.json<{ files: number; sandbox_id: string }>(
        'POST',
        `/v1/apps/${first}/restore`,
        { snapshot_id: second, confirm: true },
      );
      emit(r, () => console.log(`restored ${r.files} files into ${r.sandbox_id}`));
      return 0;
    }
    case 'fork': {
      if (positionals.length !== 2) break;
      const app = await api.json<App>('POST', `/v1/apps/${first}/fork`, {
        snapshot_id: second,
        ...(values.name ? { name: values.name } : {}),
      });
      emit(app, (a) => console.log(`${a.id}\t${a.name}\t${a.sandbox?.preview.url ?? ''}`));
      return 0;
    }
  }
  throw new UsageError('');
}
