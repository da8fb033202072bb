import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { PaddockError } from '@paddock/shared';
import tar, { type Header } from 'tar-stream';
import type { ArchiveEntryCheck, CheckedEntry } from './archiveEntries.js';
import { invalid } from './snapshotManifest.js';

export interface TarLimits {
  /** File bytes in all, after decompression. */
  maxBytes: number;
  /** Entries, the directories the archive leaves implicit included. */
  maxEntries: number;
}

/** One entry as it streams by: `entry` is null for the archive's root (`./`). */
export interface TarItem {
  header: Header;
  entry: CheckedEntry | null;
  /** A file's bytes: read them before asking for the next item (or they are skipped). */
  body: AsyncIterable<Buffer>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads an untrusted tar or tar.gz (recognised by its bytes) entry by entry, every entry checked
 * by `check` (see ArchiveEntryCheck) before it is handed out, so a refused archive stops before its first bad entry is
 * used. Everything the parser trips over is `invalid_archive`, and so is an archive past the
 * limits: the stream is bounded after gunzip, so a gzip bomb stops early. The host's own
 * failures (ENOSPC, EIO) stay what they are.
 */
export async function* readUntrustedTar(
  input: AsyncIterable<Buffer>,
  limits: TarLimits,
  check: ArchiveEntryCheck,
): AsyncGenerator<TarItem, void, undefined> {
  const extract = tar.extract();
  const source = await sniffGzip(input);
  if (source.empty) throw invalid('the archive is empty');
  // File bytes plus headers and padding for every entry allowed.
  const tarLimit = limits.maxBytes + (limits.maxEntries + 16) * 1536;
  const stages: NodeJS.ReadWriteStream[] = [
    ...(source.gzip ? [zlib.createGunzip()] : []),
    byteLimit(tarLimit, () => invalid(`the archive is larger than ${tarLimit} bytes`)),
  ];
  const feeding = pipeline([source.stream, ...stages, extract]).catch((err: unknown) => {
    extract.destroy(err as Error);
  });
  let bytes = 0;
  try {
    for await (const stream of extract) {
      const header = stream.header;
      const entry = check.check(header);
      if (entry?.type === 'file') {
        bytes += entry.size;
        if (bytes > limits.maxBytes) {
          throw invalid(`the archive holds more than ${limits.maxBytes} bytes`, entry.path);
        }
      }
      yield { header, entry, body: fileBytes(stream as AsyncIterable<Buffer>) };
      stream.resume();
    }
  } catch (err) {
    extract.destroy();
    await feeding;
    throw archiveError(err);
  } finally {
    // A consumer that stopped early (its own failure) leaves the parser and its source behind.
    extract.destroy();
  }
  await feeding;
}

/**
 * A file's bytes as the parser hands them out. An archive that ends inside a file fails while
 * the consumer reads them, outside the loop above: that is `invalid_archive` too, not a 500.
 */
async function* fileBytes(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw archiveError(err);
  }
}

/** What the parser threw, as `invalid_archive`; our own refusals and the host's failures stay. */
function archiveError(err: unknown): unknown {
  if (err instanceof PaddockError || isSystemError(err)) return err;
  return invalid(`not a readable tar archive: ${err instanceof Error ? err.message : String(err)}`);
}

/** Passes bytes through until `max`, then fails the pipeline with `tooMany()`. */
export function byteLimit(max: number, tooMany: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(tooMany());
      else done(null, chunk);
    },
  });
}

/** The first bytes tell gzip from plain tar; they are put back in front of the rest. */
async function sniffGzip(
  input: AsyncIterable<Buffer>,
): Promise<{ stream: Readable; gzip: boolean; empty: boolean }> {
  const { head, stream } = await peek(input, 2);
  const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  return { stream, gzip, empty: head.length === 0 };
}

/** At least `n` first bytes of a stream (fewer only if it is shorter), and the whole stream again. */
export async function peek(
  input: AsyncIterable<Buffer>,
  n: number,
): Promise<{ head: Buffer; stream: Readable }> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    length += r.value.length;
  }
  async function* rest() {
    yield* chunks;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(chunks), stream: Readable.from(rest(), { objectMode: false }) };
}

export function isSystemError(err: unknown): boolean {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).errno === 'number' &&
    typeof (err as NodeJS.ErrnoException).syscall === 'string'
  );
}
