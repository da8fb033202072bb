import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ROUTES, type Paddock, type Snapshot } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, emitTable } from '../output.js';
import { progressCounter, uploadBody } from '../progress.js';

function summary(s: Snapshot): string {
  const size = `${s.files} files, ${s.size_bytes} bytes (${s.new_bytes} new)`;
  return `${s.id}\t${s.status}\t${s.name}\t${s.status === 'failed' ? (s.error ?? '') : size}`;
}

export async function snapshot(pd: Paddock, argv: string[]): Promise<number> {
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
      emit(await pd.snapshots.create(first!, second!), (s) => console.log(summary(s)));
      return 0;
    }
    case 'ls': {
      if (positionals.length !== 1) break;
      const page = await pd.transport.call(ROUTES.apps.listSnapshots, { params: { id: first! } });
      emitTable(page.items, ['ID', 'STATUS', 'NAME', 'FILES', 'BYTES', 'CREATED'], (s) => [
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
      emit(await pd.snapshots.get(first!), (s) => console.log(summary(s)));
      return 0;
    }
    case 'rm': {
      if (positionals.length !== 1) break;
      await pd.snapshots.delete(first!);
      emit({ deleted: first }, () => console.log(first));
      return 0;
    }
    case 'export': {
      if (positionals.length !== 1) break;
      const res = await pd.transport.send(ROUTES.snapshots.export, { params: { id: first! } });
      const out = values.output ? fs.createWriteStream(values.output) : process.stdout;
      const total = Number(res.headers.get('content-length')) || undefined;
      await pipeline(Readable.fromWeb(res.body as never), progressCounter('exporting', total), out);
      return 0;
    }
    case 'import': {
      if (positionals.length !== 1 || !values.name) break;
      const body = Readable.toWeb(uploadBody(first!, 'importing')) as ReadableStream<Uint8Array>;
      const imported = await pd.snapshots.import(body, { name: values.name });
      emit(imported, (s) => console.log(summary(s)));
      return 0;
    }
    case 'restore': {
      if (positionals.length !== 2) break;
      if (!values.yes) {
        throw new UsageError("restore replaces the app's workspace with the snapshot; add --yes");
      }
      const r = await pd.transport.call(ROUTES.apps.restore, {
        params: { id: first! },
        body: { snapshot_id: second!, confirm: true },
      });
      emit(r, () => console.log(`restored ${r.files} files into ${r.sandbox_id}`));
      return 0;
    }
    case 'fork': {
      if (positionals.length !== 2) break;
      const app = await pd.transport.call(ROUTES.apps.fork, {
        params: { id: first! },
        body: { snapshot_id: second!, ...(values.name ? { name: values.name } : {}) },
      });
      emit(app, (a) => console.log(`${a.id}\t${a.name}\t${a.sandbox?.preview.url ?? ''}`));
      return 0;
    }
  }
  throw new UsageError('');
}
