import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { PaddockError } from '@paddock/shared';
import { parseEntryName } from './entryName.js';
import type { CentralEntry } from './entryChecks.js';
import { refuse } from './refusal.js';

/** Packages up to this size are read into memory whole (the default cap on a package is 256 MiB). */
const IN_MEMORY_BYTES = 32 * 1024 * 1024;

/** One open zip: its central directory, read one record at a time, and its entries' bytes. */
export interface OpenZip {
  /** Entries the end-of-central-directory record announces. */
  entryCount: number;
  /** The next central directory record, or null at the end. */
  next(): Promise<{ central: CentralEntry; entry: yauzl.Entry } | null>;
  /** The entry's uncompressed bytes (yauzl checks their count against the declared size). */
  read(entry: yauzl.Entry, path: string): Promise<Readable>;
  /** The entry's bytes as stored (compressed or not), whole: for small entries. */
  readStored(entry: yauzl.Entry, path: string): Promise<Buffer>;
  close(): void;
}

/**
 * Opens `file` with yauzl: lazy entries, never closed behind our back, sizes validated. Names
 * are decoded and checked here (decodeStrings off), so yauzl's own name checks never stand in
 * for ours and every refusal has its own code.
 */
export async function openZip(file: string): Promise<OpenZip> {
  const options = {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
    decodeStrings: false,
  };
  // A small package is read in one call: no read per record and per entry (most of a pass).
  const size = (await fs.stat(file)).size;
  const bytes = size <= IN_MEMORY_BYTES ? await fs.readFile(file) : null;
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (err: Error | null, z?: yauzl.ZipFile) =>
      err || !z ? reject(asPackageError(err)) : resolve(z);
    if (bytes) yauzl.fromBuffer(bytes, options, done);
    else yauzl.open(file, options, done);
  });
  let pending: { resolve: (e: yauzl.Entry | null) => void; reject: (e: Error) => void } | null =
    null;
  let failed: Error | null = null;
  const settle = (fn: (p: NonNullable<typeof pending>) => void) => {
    const p = pending;
    pending = null;
    if (p) fn(p);
  };
  zip.on('entry', (e: yauzl.Entry) => settle((p) => p.resolve(e)));
  zip.on('end', () => settle((p) => p.resolve(null)));
  zip.on('error', (err: Error) => {
    failed = asPackageError(err);
    settle((p) => p.reject(failed!));
  });
  let ended = false;
  return {
    entryCount: zip.entryCount,
    async next() {
      if (failed) throw failed;
      if (ended) return null;
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        pending = { resolve, reject };
        zip.readEntry();
      });
      if (entry === null) {
        ended = true;
        return null;
      }
      return { central: centralEntry(entry), entry };
    },
    async read(entry, path) {
      try {
        return await zip.openReadStreamPromise(entry);
      } catch (err) {
        throw asPackageError(err, path);
      }
    },
    async readStored(entry, path) {
      try {
        const stream = await zip.openReadStreamPromise(entry, { decodeFileData: false });
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (err) {
        throw asPackageError(err, path);
      }
    },
    close() {
      if (zip.isOpen) zip.close();
    },
  };
}

function centralEntry(e: yauzl.Entry): CentralEntry {
  // With decodeStrings off, fileName is the raw bytes too.
  const raw = e.fileNameRaw;
  return {
    name: parseEntryName(raw, e.generalPurposeBitFlag),
    flags: e.generalPurposeBitFlag,
    compressionMethod: e.compressionMethod,
    versionMadeBy: e.versionMadeBy,
    externalAttributes: e.externalFileAttributes,
    compressedSize: e.compressedSize,
    uncompressedSize: e.uncompressedSize,
    localHeaderOffset: e.relativeOffsetOfLocalHeader,
  };
}

/** yauzl's and zlib's errors are the package's fault; the file system's stay what they are. */
export function asPackageError(err: unknown, entry?: string): Error {
  if (err instanceof PaddockError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isSystemError(err)) return err as Error;
  if (/too many bytes in the stream/.test(message)) {
    return refuse('package_bomb', 'more bytes than the entry declares', entry);
  }
  if (/encrypt/i.test(message)) return refuse('package_encrypted', message, entry);
  return refuse('package_invalid', `not a readable zip (${message})`, entry);
}

function isSystemError(err: unknown): boolean {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).errno === 'number' &&
    typeof (err as NodeJS.ErrnoException).syscall === 'string'
  );
}
