import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';

/** What an export is named after: the app's name, with only what any file system takes. */
export function exportFileName(appName: string, format: 'tar.gz' | 'zip'): string {
  const base =
    appName
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '') // accents go, their letters stay
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 64) || 'app';
  return `${base}.${format}`;
}

/** The workspace's tar as the format asked for: gzipped, or re-packed entry by entry as a zip. */
export function asExportFormat(tarStream: Readable, format: 'tar.gz' | 'zip'): Readable {
  if (format === 'tar.gz') return tarStream.pipe(zlib.createGzip());
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as unknown as Readable;
  const extract = tar.extract();
  tarStream.on('error', (err) => extract.destroy(err));
  tarStream.pipe(extract as unknown as NodeJS.WritableStream);
  void (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const name = entryName(h.name);
      const options = { mtime: h.mtime ?? new Date(), mode: h.mode ?? 0o644 };
      if (name === null) {
        entry.resume();
      } else if (h.type === 'directory') {
        zip.addEmptyDirectory(name, { ...options, mode: 0o40000 | (options.mode & 0o777) });
        entry.resume();
      } else if (h.type === 'symlink' && h.linkname) {
        // Unix zips keep a symlink as an entry of mode S_IFLNK whose bytes are its target.
        zip.addBuffer(Buffer.from(h.linkname), name, { ...options, mode: 0o120777 });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        // yazl reads its streams in order, so each is added only once the previous was read.
        const bytes = new PassThrough();
        zip.addReadStream(bytes, name, {
          ...options,
          mode: 0o100000 | (options.mode & 0o777),
          size: h.size ?? 0,
        });
        entry.pipe(bytes);
        await finished(bytes, { readable: false });
      } else {
        entry.resume(); // sockets, FIFOs: nothing a project needs
      }
    }
    zip.end();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

function entryName(raw: string): string | null {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  while (name.endsWith('/')) name = name.slice(0, -1);
  return name === '' || name === '.' ? null : name;
}
