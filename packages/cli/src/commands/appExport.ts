import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';

const USAGE = `usage:
  paddock app export ID [--format tar.gz|zip] [--git] [-o FILE]
                                     (the workspace without node_modules, .venv and build
                                     caches; .git with --git; FILE "-": stdout; default: the
                                     name the daemon gives it, in this directory)`;

/** `paddock app export`: the app's workspace as an archive, streamed to a file. */
export async function exportApp(api: ApiClient, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'tar.gz' },
      git: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
  });
  const [id] = positionals;
  if (positionals.length !== 1 || !id || !['tar.gz', 'zip'].includes(values.format)) {
    throw new UsageError(USAGE);
  }
  const query = new URLSearchParams({ format: values.format });
  if (values.git) query.set('git', 'true');
  const res = await api.request('GET', `/v1/apps/${id}/archive?${query}`);
  const named = /filename="([^"/\\]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const file = values.output ?? named ?? `${id}.${values.format}`;
  const out = file === '-' ? process.stdout : fs.createWriteStream(file);
  await pipeline(Readable.fromWeb(res.body as never), out);
  if (file !== '-') console.log(file);
  return 0;
}
