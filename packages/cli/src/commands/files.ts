import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';

const USAGE = `usage:
  paddock files get ID PATH [LOCAL]   (LOCAL "-" or absent: stdout)
  paddock files put ID LOCAL PATH     (LOCAL "-": stdin)
  paddock files ls ID [PATH] [--depth N]`;

export async function files(api: ApiClient, argv: string[]): Promise<number> {
  const [sub, id, a, b] = argv;
  if (!id) throw new UsageError(USAGE);
  if (sub === 'get' && a) {
    const res = await api.request('GET', `/v1/sandboxes/${id}/files?path=${encodeURIComponent(a)}`);
    if (!res.body) return 1;
    const out = !b || b === '-' ? process.stdout : fs.createWriteStream(b);
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), out);
    return 0;
  }
  if (sub === 'put' && a && b) {
    const body = a === '-' ? process.stdin : fs.createReadStream(a);
    const res = await api.request(
      'PUT',
      `/v1/sandboxes/${id}/files?path=${encodeURIComponent(b)}`,
      { body },
    );
    const written = (await res.json()) as { path: string; size: number };
    console.log(`${written.path}\t${written.size} bytes`);
    return 0;
  }
  if (sub === 'ls') {
    const depthFlag = argv.indexOf('--depth');
    const depth = depthFlag > 0 ? (argv[depthFlag + 1] ?? '1') : '1';
    const path = a && a !== '--depth' ? a : '.';
    const res = await api.json<{ entries: { path: string; type: string; size: number }[] }>(
      'GET',
      `/v1/sandboxes/${id}/files/list?path=${encodeURIComponent(path)}&depth=${depth}`,
    );
    for (const e of res.entries)
      console.log(
        `${e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : '-'}\t${e.size}\t${e.path}`,
      );
    return 0;
  }
  throw new UsageError(USAGE);
}
