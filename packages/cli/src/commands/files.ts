import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import type { Files, Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { legacyClient } from '../client.js';
import { emit, printTable } from '../output.js';
import { uploadBody } from '../progress.js';
import { pullDir, pushDir } from './filesArchive.js';

/** Follows a watch, printing `created|changed|removed KIND PATH` and `overflow - PATH` lines. */
async function watch(files: Files, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { recursive: { type: 'boolean' }, 'include-ignored': { type: 'boolean' } },
  });
  if (positionals.length > 1) throw new UsageError('');
  const frames = files.watch(positionals[0] ?? '.', {
    recursive: values.recursive === true,
    includeIgnored: values['include-ignored'] === true,
  });
  for await (const frame of frames) {
    if (frame.event === 'ready') console.error(`watching ${frame.data.path}`);
    else if (frame.event === 'overflow') console.log(`overflow\t-\t${frame.data.path}`);
    else if (frame.event === 'error') {
      console.error(`paddock: ${frame.data.code}: ${frame.data.message}`);
      return 1;
    } else console.log(`${frame.data.type}\t${frame.data.kind}\t${frame.data.path}`);
  }
  return 0;
}

export async function files(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, id, a, b] = argv;
  if (!id) throw new UsageError('');
  const sbFiles = pd.sandboxes.connect(id).files;
  if (sub === 'watch') return watch(sbFiles, argv.slice(2));
  if (sub === 'push' && a && b && argv.length === 4) return pushDir(legacyClient(), id, a, b);
  if (sub === 'pull' && a && b && argv.length === 4) return pullDir(legacyClient(), id, a, b);
  if (sub === 'get' && a) {
    const body = await sbFiles.readStream(a);
    const out = !b || b === '-' ? process.stdout : fs.createWriteStream(b);
    await pipeline(Readable.fromWeb(body as WebReadableStream), out);
    return 0;
  }
  if (sub === 'put' && a && b) {
    const body = Readable.toWeb(uploadBody(a, 'uploading')) as ReadableStream<Uint8Array>;
    emit(await sbFiles.write(b, body), (w) => console.log(`${w.path}\t${w.size} bytes`));
    return 0;
  }
  if (sub === 'ls') {
    const { values, positionals } = parseArgs({
      args: argv.slice(2),
      allowPositionals: true,
      options: { depth: { type: 'string' } },
    });
    if (positionals.length > 1) throw new UsageError('');
    const depth = Number(values.depth ?? '1');
    const listing = await sbFiles.list(positionals[0] ?? '.', { depth });
    emit(listing, ({ entries }) =>
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
