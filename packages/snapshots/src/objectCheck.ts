import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ObjectIndex } from './objectIndex.js';
import { readRange } from './syncedFiles.js';

const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * After a restart, for the snapshots whose sync may not have finished (ADR 0014): reads back
 * each object and checks its hash. Every file holding a damaged object is set aside whole, so
 * none of its objects is offered again. Returns the problem of each object missing or damaged.
 */
export async function checkObjects(
  index: ObjectIndex,
  sha256s: Iterable<string>,
): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  for (const sha256 of new Set(sha256s)) {
    let object: { fd: number; start: number; size: number };
    try {
      object = index.openObject(sha256);
    } catch {
      problems.set(sha256, `object ${sha256} is missing`);
      continue;
    }
    const file = index.fileOf(sha256);
    try {
      if ((await hashRange(object.fd, object.start, object.size)) !== sha256) {
        problems.set(sha256, `object ${sha256} is damaged`);
      }
    } catch (err) {
      problems.set(sha256, `object ${sha256} cannot be read: ${String(err)}`);
    } finally {
      fs.closeSync(object.fd);
    }
    if (problems.has(sha256)) index.forgetFile(file);
  }
  return problems;
}

/** The SHA-256 of `size` bytes at `start`, read a megabyte at a time. */
async function hashRange(fd: number, start: number, size: number): Promise<string> {
  const hash = crypto.createHash('sha256');
  for (let at = 0; at < size; at += HASH_CHUNK_BYTES) {
    hash.update(await readRange(fd, start + at, Math.min(HASH_CHUNK_BYTES, size - at)));
  }
  return hash.digest('hex');
}
