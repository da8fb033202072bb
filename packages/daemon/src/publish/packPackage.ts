/**
 * STAND-IN, TO BE REPLACED: `packPackage` of @paddock/app-package (src/pack/, being written on
 * branch cli-pkg) with the same options and result. Once that is on main, import it from
 * '@paddock/app-package' in publishService.ts and delete this file.
 *
 * Writes the files of `dir` and `manifest` (as paddock-app.json) as a .paddockapp at `outFile`,
 * signed with `privateKeyPem` over contentDigest's rule: SHA-256 over one line
 * `path\0size\0sha256\n` per file except the signature, sorted by the paths' UTF-8 bytes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import {
  MANIFEST_PATH,
  SIGNATURE_PATH,
  parsePackageManifest,
  signPackage,
} from '@paddock/app-package';
import { PaddockError, type AppPackageManifest } from '@paddock/shared';

export interface PackOptions {
  dir: string;
  manifest: AppPackageManifest;
  privateKeyPem?: string;
  outFile: string;
  /** Names left out at any depth (no slash), or paths from the top of `dir` (with one). */
  exclude?: readonly string[];
}

export interface PackResult {
  /** What the signature signs (contentDigest of the written package). */
  digest: string;
  bytes: number;
  files: number;
}

/** One date for every entry: the same files make the same package. */
const MTIME = new Date('2000-01-01T00:00:00Z');

export async function packPackage(o: PackOptions): Promise<PackResult> {
  const text = `${JSON.stringify(o.manifest, null, 2)}\n`;
  const parsed = parsePackageManifest(text);
  if (!parsed.valid) {
    throw new PaddockError('package_manifest_invalid', `${MANIFEST_PATH} is not valid`, {
      errors: parsed.errors,
    });
  }
  const manifest = Buffer.from(text, 'utf8');
  const files = await listFiles(path.resolve(o.dir), o.exclude ?? []);
  const lines = [
    { path: MANIFEST_PATH, size: manifest.length, sha256: sha256(manifest) },
    ...files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const hash = createHash('sha256');
  for (const l of lines) hash.update(`${l.path}\0${l.size}\0${l.sha256}\n`, 'utf8');
  const digest = hash.digest('hex');

  const zip = new yazl.ZipFile();
  const options = { mtime: MTIME, mode: 0o100644 };
  zip.addBuffer(manifest, MANIFEST_PATH, options);
  for (const f of files) zip.addFile(f.abs, f.path, options);
  if (o.privateKeyPem !== undefined) {
    zip.addBuffer(Buffer.from(signPackage(o.privateKeyPem, digest)), SIGNATURE_PATH, options);
  }
  zip.end();
  const tmp = `${o.outFile}.${process.pid}.tmp`;
  try {
    await pipeline(zip.outputStream, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    fs.renameSync(tmp, o.outFile);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { digest, bytes: fs.statSync(o.outFile).size, files: files.length + 1 };
}

interface Listed {
  abs: string;
  path: string;
  size: number;
  sha256: string;
}

/** Regular files under `root`, sorted; a link or special file is refused (a package has none). */
async function listFiles(root: string, exclude: readonly string[]): Promise<Listed[]> {
  const out: Listed[] = [];
  const skipped = (rel: string, name: string) =>
    exclude.some((x) => (x.includes('/') ? x.replace(/^\//, '') === rel : x === name));
  const walk = async (dir: string, rel: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel === '' ? d.name : `${rel}/${d.name}`;
      if (skipped(relPath, d.name)) continue;
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) await walk(abs, relPath);
      else if (d.isFile()) {
        const hash = createHash('sha256');
        await pipeline(fs.createReadStream(abs), hash);
        out.push({ abs, path: relPath, size: fs.statSync(abs).size, sha256: hash.digest('hex') });
      } else {
        throw new PaddockError('package_special_entry', `${relPath} is not a regular file`, {
          entry: relPath,
        });
      }
    }
  };
  await walk(root, '');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
