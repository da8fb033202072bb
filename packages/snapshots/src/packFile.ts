import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SHA256 } from './contentHash.js';
import { syncDir, writeNew } from './syncedFiles.js';

/**
 * A pack: many small objects in one file, so storing them costs one fdatasync, not one each.
 *
 *   "PDKPACK1" | object bytes ... | index (JSON: [[sha256, offset, size], ...]) |
 *   index length (uint32 BE) | "PDKPACK1"
 *
 * A pack is written whole to a temp file and renamed in; it never changes after that. A crash
 * before its sync may cut it short, which the trailer shows when it is opened (ADR 0014).
 */
const MAGIC = Buffer.from('PDKPACK1');
const TRAILER_BYTES = 4 + MAGIC.length;

export interface PackEntry {
  sha256: string;
  offset: number;
  size: number;
}

/** A pack file the store reads from. */
export interface Pack {
  file: string;
  entries: PackEntry[];
  /** The file's size, index included. */
  bytes: number;
}

/** The bytes of a pack holding `objects`, and where each one lies in it. */
export function encodePack(objects: ReadonlyMap<string, Buffer>): {
  bytes: Buffer[];
  entries: PackEntry[];
} {
  const bytes: Buffer[] = [MAGIC];
  const entries: PackEntry[] = [];
  let offset = MAGIC.length;
  for (const [sha256, data] of objects) {
    entries.push({ sha256, offset, size: data.length });
    bytes.push(data);
    offset += data.length;
  }
  const index = Buffer.from(JSON.stringify(entries.map((e) => [e.sha256, e.offset, e.size])));
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32BE(index.length, 0);
  MAGIC.copy(trailer, 4);
  bytes.push(index, trailer);
  return { bytes, entries };
}

/**
 * The entries of the pack in `file`, or null when it is not a whole pack. Errors reading it (the
 * disk, not the format) are thrown: they say nothing about the pack.
 */
export function readPackIndex(file: string): PackEntry[] | null {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bytesAt = (position: number, length: number): Buffer | null => {
      const b = Buffer.alloc(length);
      return fs.readSync(fd, b, 0, length, position) === length ? b : null;
    };
    if (size < MAGIC.length + TRAILER_BYTES) return null;
    if (!bytesAt(0, MAGIC.length)?.equals(MAGIC)) return null;
    const trailer = bytesAt(size - TRAILER_BYTES, TRAILER_BYTES);
    if (trailer === null || !trailer.subarray(4).equals(MAGIC)) return null;
    const indexBytes = trailer.readUInt32BE(0);
    const indexAt = size - TRAILER_BYTES - indexBytes;
    if (indexAt < MAGIC.length) return null;
    const index = bytesAt(indexAt, indexBytes);
    if (index === null) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(index.toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(raw)) return null;
    const entries: PackEntry[] = [];
    for (const item of raw) {
      if (!Array.isArray(item)) return null;
      const [sha256, offset, length] = item as unknown[];
      if (
        typeof sha256 !== 'string' ||
        !SHA256.test(sha256) ||
        !Number.isSafeInteger(offset) ||
        !Number.isSafeInteger(length) ||
        (offset as number) < MAGIC.length ||
        (length as number) < 0 ||
        (offset as number) + (length as number) > indexAt
      ) {
        return null;
      }
      entries.push({ sha256, offset: offset as number, size: length as number });
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `objects` as a new pack in `packsDir`, by way of the temp file `tmp`. A commit's pack
 * is synced later (see StoreSync); a pack that replaces others (compaction, sweeps) is
 * `durable` before it returns, since the packs it replaces are removed right after.
 */
export async function writePack(
  tmp: string,
  packsDir: string,
  objects: ReadonlyMap<string, Buffer>,
  durable: boolean,
): Promise<Pack> {
  const { bytes, entries } = encodePack(objects);
  const file = path.join(packsDir, `${crypto.randomBytes(12).toString('hex')}.pack`);
  await writeNew(tmp, bytes, durable);
  try {
    fs.renameSync(tmp, file);
    if (durable) await syncDir(packsDir);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(file, { force: true });
    throw err;
  }
  return { file, entries, bytes: bytes.reduce((n, b) => n + b.length, 0) };
}
