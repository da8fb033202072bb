import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { openSourceFile } from './sourceFiles.js';

const FILE_MODE = 0o100644;
const DIR_MODE = 0o040755;
/** Every entry's time: the same files make the same bytes. */
const MTIME = new Date(Date.UTC(2000, 0, 1));

/**
 * A zip written with yazl into a temporary file next to where it will go, 0644 files and 0755
 * directories whatever the source says, then renamed into place by `commit` (or removed by
 * `abort`). Compression is all or nothing: a package that would look like a zip bomb to the
 * reader is written again stored.
 */
export class ZipWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly output: Writable;
  private readonly written: Promise<void>;
  private readonly streams = new Set<PassThrough>();
  /** Rejects when yazl or the file fails (never resolves): race what feeds the zip with it. */
  readonly failed: Promise<never>;

  private constructor(
    readonly tempFile: string,
    private readonly outFile: string,
    private readonly compress: boolean,
  ) {
    this.output = createWriteStream(tempFile, { flags: 'wx', mode: 0o644 });
    let fail: (err: unknown) => void = () => undefined;
    this.failed = new Promise<never>((_, reject) => (fail = reject));
    this.zip.on('error', fail);
    const piped = pipeline(this.zip.outputStream as Readable, this.output);
    piped.catch(fail);
    this.written = Promise.race([piped, this.failed]);
    // Seen by `finish` and by whoever races `failed`; an abandoned writer must not fail the process.
    this.failed.catch(() => undefined);
    this.written.catch(() => undefined);
  }

  static async create(outFile: string, compress: boolean): Promise<ZipWriter> {
    const dir = path.dirname(outFile);
    const temp = path.join(dir, `.${path.basename(outFile)}.${randomBytes(6).toString('hex')}.tmp`);
    const zip = new ZipWriter(temp, outFile, compress);
    await Promise.race([once(zip.output, 'ready'), zip.failed]);
    return zip;
  }

  /** A file from the disk, opened when its turn comes (never through a link). */
  addFile(abs: string, entryPath: string, size: number): void {
    this.zip.addReadStreamLazy(entryPath, this.options(size), (cb) => {
      openSourceFile(abs, entryPath).then(
        (h) => cb(null, this.watched(h.createReadStream())),
        (err: unknown) => cb(err, null as unknown as Readable),
      );
    });
  }

  /** A file whose bytes will be written to the stream returned, `size` of them. */
  addStream(entryPath: string, size: number): Writable {
    const pass = new PassThrough();
    this.streams.add(pass);
    pass.on('close', () => this.streams.delete(pass));
    this.zip.addReadStream(this.watched(pass), entryPath, this.options(size));
    return pass;
  }

  addBuffer(content: Buffer, entryPath: string): void {
    this.zip.addBuffer(content, entryPath, {
      mode: FILE_MODE,
      mtime: MTIME,
      compress: this.compress,
    });
  }

  addDirectory(entryPath: string): void {
    this.zip.addEmptyDirectory(entryPath, { mode: DIR_MODE, mtime: MTIME });
  }

  /** Ends the zip and waits until it is on the disk; returns its size in bytes. */
  async finish(): Promise<number> {
    this.zip.end();
    await this.written;
    const handle = await fs.open(this.tempFile, 'r+');
    try {
      await handle.sync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  async commit(): Promise<void> {
    await fs.rename(this.tempFile, this.outFile);
  }

  /** Removes the temporary file; streams still waiting for their turn are ended with an error. */
  async abort(): Promise<void> {
    for (const s of this.streams) s.destroy(new Error('the package write was abandoned'));
    this.output.destroy();
    await fs.rm(this.tempFile, { force: true });
  }

  private options(size: number): Partial<yazl.ReadStreamOptions> {
    return { mode: FILE_MODE, mtime: MTIME, compress: this.compress, size };
  }

  /** yazl pipes a read stream without listening for its errors: they end the zip here. */
  private watched<S extends Readable>(stream: S): S {
    stream.on('error', (err) => this.zip.emit('error', err));
    return stream;
  }
}
