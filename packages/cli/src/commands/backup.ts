import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { restoreBackup } from '@paddock/daemon';
import { ROUTES, type Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit } from '../output.js';
import { progressCounter } from '../progress.js';

/** `paddock backup create FILE [--include-key]` (online, admin) and `restore FILE --data-dir DIR` (offline). */
export async function backup(pd: () => Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'include-key': { type: 'boolean' },
      'data-dir': { type: 'string' },
      'key-file': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (sub === 'create' && positionals.length === 1 && file) {
    const res = await pd().transport.send(ROUTES.system.backup, {
      query: values['include-key'] ? { include_key: true } : {},
    });
    // Written beside, renamed at the end: a cut stream never leaves a file that looks whole.
    const tmp = `${file}.partial`;
    await pipeline(
      Readable.fromWeb(res.body as never),
      progressCounter('backing up'),
      fs.createWriteStream(tmp, { mode: 0o600 }),
    );
    // The status was sent before the archive was made: a tar cut short shows only here.
    try {
      execFileSync('tar', ['-tzf', tmp], { stdio: 'ignore' });
    } catch {
      fs.rmSync(tmp, { force: true });
      throw new Error('the backup archive came back incomplete; nothing was written');
    }
    fs.renameSync(tmp, file);
    emit({ file, bytes: fs.statSync(file).size }, (r) => console.log(`${r.file}\t${r.bytes}`));
    return 0;
  }
  if (sub === 'restore' && positionals.length === 1 && file && values['data-dir']) {
    const r = restoreBackup({
      file,
      dataDir: values['data-dir'],
      ...(values['key-file'] ? { keyFile: values['key-file'] } : {}),
    });
    emit({ data_dir: values['data-dir'], ...r.manifest, key_placed: r.keyPlaced }, () => {
      console.log(`restored the backup of ${r.manifest.created_at} into ${values['data-dir']}`);
      if (!r.keyPlaced) {
        console.log(
          `secrets need key ${r.manifest.sealed_key_id}: set PADDOCK_SECRETS_KEY or pass --key-file`,
        );
      }
    });
    return 0;
  }
  throw new UsageError(
    'usage: paddock backup create FILE [--include-key] | paddock backup restore FILE --data-dir DIR [--key-file F]',
  );
}
