import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Filestore, Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, emitTable } from '../output.js';
import { progressCounter, uploadBody } from '../progress.js';

function summary(f: Filestore): string {
  return `${f.id}\t${f.name}\t${f.backend}\t${f.files} files, ${f.bytes} bytes`;
}

/** `paddock filestore`: stores of user data, their files, and S3 backends. */
export async function filestore(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      prefix: { type: 'string' },
      output: { type: 'string', short: 'o' },
      endpoint: { type: 'string' },
      bucket: { type: 'string' },
      region: { type: 'string' },
      'key-prefix': { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-access-key-stdin': { type: 'boolean' },
    },
  });
  const [first, second, third] = positionals;
  switch (sub) {
    case 'create': {
      if (positionals.length !== 1) break;
      const made = await pd.filestores.create(first!, {
        ...(values.backend ? { backend: values.backend } : {}),
      });
      emit(made, (f) => console.log(summary(f)));
      return 0;
    }
    case 'ls': {
      if (positionals.length === 0) {
        emitTable(await pd.filestores.list(), ['ID', 'NAME', 'BACKEND', 'FILES', 'BYTES'], (f) => [
          f.id,
          f.name,
          f.backend,
          f.files,
          f.bytes,
        ]);
        return 0;
      }
      if (positionals.length !== 1) break;
      const files = [];
      for await (const f of pd.filestores.files(first!, {
        ...(values.prefix ? { prefix: values.prefix } : {}),
      })) {
        files.push(f);
      }
      emitTable(files, ['PATH', 'BYTES', 'MODIFIED'], (f) => [f.path, f.size, f.modified_at]);
      return 0;
    }
    case 'get': {
      if (positionals.length !== 1) break;
      emit(await pd.filestores.get(first!), (f) => console.log(summary(f)));
      return 0;
    }
    case 'rm': {
      if (positionals.length === 1) {
        await pd.filestores.delete(first!);
        emit({ deleted: first }, () => console.log(first));
        return 0;
      }
      if (positionals.length !== 2) break;
      await pd.filestores.remove(first!, second!);
      emit({ deleted: second }, () => console.log(second));
      return 0;
    }
    case 'put': {
      if (positionals.length !== 3) break;
      const body = Readable.toWeb(uploadBody(third!, 'uploading')) as ReadableStream<Uint8Array>;
      emit(await pd.filestores.write(first!, second!, body), (f) =>
        console.log(`${f.path}\t${f.size} bytes`),
      );
      return 0;
    }
    case 'cat': {
      if (positionals.length !== 2) break;
      const stream = await pd.filestores.read(first!, second!);
      const out = values.output ? fs.createWriteStream(values.output) : process.stdout;
      await pipeline(Readable.fromWeb(stream as never), progressCounter('reading'), out);
      return 0;
    }
    case 'mv': {
      if (positionals.length !== 3) break;
      emit(await pd.filestores.move(first!, second!, third!), (f) => console.log(f.path));
      return 0;
    }
    case 'backend': {
      return backend(pd, first, positionals.slice(1), values);
    }
  }
  throw new UsageError('');
}

async function backend(
  pd: Paddock,
  action: string | undefined,
  args: string[],
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  if (action === 'ls' && args.length === 0) {
    emitTable(await pd.filestores.backends(), ['NAME', 'ENDPOINT', 'BUCKET', 'PREFIX'], (b) => [
      b.name,
      b.endpoint,
      b.bucket,
      b.prefix,
    ]);
    return 0;
  }
  if (action === 'rm' && args.length === 1) {
    await pd.filestores.removeBackend(args[0]!);
    emit({ deleted: args[0] }, () => console.log(args[0]));
    return 0;
  }
  if (action === 'add' && args.length === 1) {
    const { endpoint, bucket, region } = values;
    const accessKeyId = values['access-key-id'];
    if (typeof endpoint !== 'string' || typeof bucket !== 'string') {
      throw new UsageError('a backend needs --endpoint and --bucket');
    }
    if (typeof accessKeyId !== 'string' || values['secret-access-key-stdin'] !== true) {
      throw new UsageError(
        'a backend needs --access-key-id and the secret key on stdin (--secret-access-key-stdin)',
      );
    }
    // Never an argument: it would sit in the shell's history and the process list.
    const secret = fs.readFileSync(0, 'utf8').trim();
    const made = await pd.filestores.addBackend({
      name: args[0]!,
      kind: 's3',
      endpoint,
      bucket,
      ...(typeof region === 'string' ? { region } : {}),
      ...(typeof values['key-prefix'] === 'string' ? { prefix: values['key-prefix'] } : {}),
      access_key_id: accessKeyId,
      secret_access_key: secret,
    });
    emit(made, (b) => console.log(`${b.name}\t${b.endpoint}\t${b.bucket}`));
    return 0;
  }
  throw new UsageError('');
}
