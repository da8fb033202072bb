import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { SseParser, type FileWatchFrame } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';
import { emit, printTable } from '../output.js';
import { uploadBody } from '../progress.js';
import { pullDir, pushDir } from './filesArchive.js';

/** Follows a watch, printing `created|changed|removed KIND PATH` and `overflow - PATH` lines. */
async function watch(api: ApiClient, id: string, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { recursive: { type: 'boolean' }, 'include-ignored': { type: 'boolean' } },
  });
  if (positionals.length > 1) throw new UsageError('');
  const query = new URLSearchParams({ path: positionals[0] ?? '.' });
  if (values.recursive) query.set('recursive', 'true');
  if (values['include-ignored']) query.set('include_ignored', 'true');
  const res = await api.request('GET', `/v1/sandboxes/${id}/files/watch?${query}`, {
    accept: 'text/event-stream',
  });
  const parser = new SseParser<FileWatchFrame>();
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (const frame of parser.push(decoder.decode(chunk, { stream: true }))) {
      if (frame.event === 'ready') console.error(`watching ${frame.data.path}`);
      else if (frame.event === 'overflow') console.log(`overflow\t-\t${frame.data.path}`);
      else if (frame.event === 'error') {
        console.error(`paddock: ${frame.data.code}: ${frame.data.message}`);
        return 1;
      } else console.log(`${frame.data.type}\t${frame.data.kind}\t${frame.data.path}`);
    }
  }
  return 0;
}

export async function files(api: ApiClient, argv: string[]): Promise<number> {
  const [sub, id, a, b] = argv;
  if (!id) throw new UsageError('');
  if (sub === 'watch') return watch(api, id, argv.slice(2));
  if (sub === 'push' && a && b && argv.length === 4) return pushDir(api, id, a, b);
  if (sub === 'pull' && a && b && argv.length === 4) return pullDir(api, id, a, b);
  if (sub === 'get' && a) {
    const res = await api.request('GET', `/v1/sandboxes/${id}/files?path=${encodeURIComponent(a)}`);
    if (!res.body) return 1;
    const out = !b || b === '-' ? process.stdout : fs.createWriteStream(b);
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), out);
    return 0;
  }
  if (sub === 'put' && a && b) {
    const body = uploadBody(a, 'uploading');
    const res = await api.request(
      'PUT',
      `/v1/sandboxes/${id}/files?path=${encodeURIComponent(b)}`,
      { body },
    );
    const written = (await res.json()) as { path: string; size: number };
    emit(written, (w) => console.log(`${w.path}\t${w.size} bytes`));
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
    emit(res, ({ entries }) =>
      printTable(entries, ['TYPE', 'SIZE', 'PATH'], (e) => [
        e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : '-',
        e.size,
        e.path,
      ]),
    );
    return 0;
  }
  throw new UsageError('');
}
