import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { downloadPackage, type DownloadOptions } from '@paddock/app-package';
import { PaddockError, type PackageSource } from '@paddock/shared';

/** The largest package file taken in, by any way (the unpacked caps are the archive's own). */
export const MAX_PACKAGE_BYTES = 256 * 1024 * 1024;

/** A package on its way in: a file under `incoming/` and where it came from. */
export interface Intake {
  file: string;
  source: PackageSource;
}

/** Writes an uploaded body to `file`, refusing past `MAX_PACKAGE_BYTES` as it streams. */
export async function receiveUpload(body: Readable, file: string): Promise<Intake> {
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > MAX_PACKAGE_BYTES) {
        done(
          new PaddockError('package_too_large', `the package is over ${MAX_PACKAGE_BYTES} bytes`),
        );
      } else done(null, chunk);
    },
  });
  try {
    await pipeline(body, cap, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    fs.rmSync(file, { force: true });
    if (err instanceof PaddockError) throw err;
    throw new PaddockError('bad_request', 'the upload ended before the package did');
  }
  if (bytes === 0) {
    fs.rmSync(file, { force: true });
    throw new PaddockError('package_invalid', 'the upload is empty');
  }
  return { file, source: { kind: 'upload' } };
}

/** Fetches `url` (https, SSRF-safe: see `downloadPackage`) to `file`. */
export async function receiveUrl(
  url: string,
  file: string,
  options: DownloadOptions,
): Promise<Intake> {
  try {
    const got = await downloadPackage(url, file, {
      ...options,
      limits: { maxBytes: MAX_PACKAGE_BYTES, ...options.limits },
    });
    return {
      file,
      source: { kind: 'url', url, ...(got.url === url ? {} : { fetched_from: got.url }) },
    };
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}
