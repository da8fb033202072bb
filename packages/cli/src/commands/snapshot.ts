import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { App, Snapshot } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';

const USAGE = `usage:
  paddock snapshot create SANDBOX NAME
  paddock snapshot ls APP
  paddock snapshot get SNAPSHOT
  paddock snapshot rm SNAPSHOT
  paddock snapshot export SNAPSHOT [-o FILE.tar]     (stdout without -o)
  paddock snapshot import FILE.tar[.gz] --name NAME
  paddock snapshot restore APP SNAPSHOT --yes       (replaces the app's workspace)
  paddock snapshot fork APP SNAPSHOT [--name NAME]  (a new app starting from the snapshot)`;

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
      console.log(
        summary(await api.json<Snapshot>('POST', `/v1/sandboxes/${first}/snapshots`, body)),
      );
      return 0;
    }
    case 'ls': {
      if (positionals.length !== 1) break;
      const { items } = await api.json<{ items: Snapshot[] }>('GET', `/v1/apps/${first}/snapshots`);
      for (const s of items) console.log(summary(s));
      return 0;
    }
    case 'get': {
      if (positionals.length !== 1) break;
      console.log(JSON.stringify(await api.json('GET', `/v1/snapshots/${first}`), null, 2));
      return 0;
    }
    case 'rm': {
      if (positionals.length !== 1) break;
      await api.json('DELETE', `/v1/snapshots/${first}`);
      return 0;
    }
    case 'export': {
      if (positionals.length !== 1) break;
      const res = await api.request('GET', `/v1/snapshots/${first}/export`);
      const out = values.output ? fs.createWriteStream(values.output) : process.stdout;
      await pipeline(Readable.fromWeb(res.body as never), out);
      return 0;
    }
    case 'import': {
      if (positionals.length !== 1 || !values.name) break;
      const res = await api.request(
        'POST',
        `/v1/snapshots/import?name=${encodeURIComponent(values.name)}`,
        { body: fs.createReadStream(first!) },
      );
      console.log(summary((await res.json()) as Snapshot));
      return 0;
    }
    case 'restore': {
      if (positionals.length !== 2) break;
      if (!values.yes) {
        console.error("restore replaces the app's workspace with the snapshot; add --yes to do it");
        return 2;
      }
      const r = await api.json<{ files: number; sandbox_id: string }>(
        'POST',
        `/v1/apps/${first}/restore`,
        { snapshot_id: second, confirm: true },
      );
      console.log(`restored ${r.files} files into ${r.sandbox_id}`);
      return 0;
    }
    case 'fork': {
      if (positionals.length !== 2) break;
      const app = await api.json<App>('POST', `/v1/apps/${first}/fork`, {
        snapshot_id: second,
        ...(values.name ? { name: values.name } : {}),
      });
      console.log(`${app.id}\t${app.name}\t${app.sandbox?.preview.url ?? ''}`);
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}
