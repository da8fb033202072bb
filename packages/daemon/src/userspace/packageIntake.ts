import fs from 'node:fs';
import { finished, PassThrough, Transform, type Readable } from 'node:stream';
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

/**
 * What is still read and dropped of a body refused part way, so that the answer reaches a
 * client still sending; past it the connection is closed.
 */
const DISCARD_BYTES = 64 * 1024 * 1024;

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
  // The body is piped, not part of the pipeline: a refusal must not destroy it. A destroyed
  // request leaves its connection unread, so the next request on it hangs, then is reset.
  const feed = new PassThrough();
  const ended = finished(body, (err) => {
    if (err) feed.destroy(err);
  });
  body.pipe(feed);
  try {
    await pipeline(feed, cap, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    fs.rmSync(file, { force: true });
    if (err instanceof PaddockError) {
      discardRest(body);
      throw err;
    }
    throw new PaddockError('bad_request', 'the upload ended before the package did');
  } finally {
    ended();
  }
  if (bytes === 0) {
    fs.rmSync(file, { force: true });
    throw new PaddockError('package_invalid', 'the upload is empty');
  }
  return { file, source: { kind: 'upload' } };
}

/** Reads and drops the rest of a refused body, at most `DISCARD_BYTES`, then closes it. */
function discardRest(body: Readable): void {
  body.unpipe();
  body.on('error', () => undefined); // a client gone meanwhile is no one's concern now
  let dropped = 0;
  body.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) body.destroy();
  });
  body.resume();
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
