import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PackageFile } from './packageFiles.js';

/**
 * Writes the package's files into `dir` (which must not exist), each from the snapshot's
 * content, plus `extra` files given as bytes. Paths were checked by the snapshot's manifest
 * (relative, no `..`); files are created exclusively, so nothing is written twice or through
 * a link.
 */
export async function stageFiles(
  dir: string,
  files: readonly PackageFile[],
  open: (sha256: string) => Readable,
  extra: readonly { path: string; bytes: Buffer }[] = [],
): Promise<void> {
  fs.mkdirSync(dir, { mode: 0o700 });
  const target = (rel: string) => {
    const abs = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
    return abs;
  };
  for (const f of files) {
    await pipeline(
      open(f.sha256),
      fs.createWriteStream(target(f.path), { flags: 'wx', mode: 0o600 }),
    );
  }
  for (const e of extra) fs.writeFileSync(target(e.path), e.bytes, { flag: 'wx', mode: 0o600 });
}
