import zlib from 'node:zlib';
import yazl from 'yazl';

/** One entry of a zip written byte by byte, for what a real zip writer refuses to make. */
export interface RawEntry {
  name: string | Buffer;
  /** The bytes stored (already compressed when method is 8). */
  data?: Buffer;
  method?: number;
  /** The uncompressed size the central directory declares (default: the data's length). */
  size?: number;
  flags?: number;
  /** The unix mode in the external attributes (default 0100644, or 040755 for a `/` name). */
  mode?: number;
  /** Point the central record at another entry's local header (by index). */
  sameDataAs?: number;
}

/** A deflated entry whose declared size is the content's own unless `size` says otherwise. */
export function deflated(name: string, content: Buffer, extra: Partial<RawEntry> = {}): RawEntry {
  return { name, data: zlib.deflateRawSync(content), method: 8, size: content.length, ...extra };
}

/** A zip with a central directory saying exactly what the entries say (CRCs are left 0). */
export function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 0;
    const size = e.size ?? data.length;
    const flags = e.flags ?? 0x800;
    const isDir = name.at(-1) === 0x2f;
    const mode = e.mode ?? (isDir ? 0o040755 : 0o100644);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    offsets.push(offset);
    const at = e.sameDataAs === undefined ? offset : offsets[e.sameDataAs]!;
    locals.push(local, name, data);
    offset += local.length + name.length + data.length;
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(at, 42);
    centrals.push(central, name);
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

export interface YazlFile {
  name: string;
  content: Buffer | string;
  compress?: boolean;
  mode?: number;
}

/** A zip written by yazl, a real zip writer: files, and directories for names ending in `/`. */
export async function yazlZip(files: YazlFile[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) {
    if (f.name.endsWith('/')) {
      zip.addEmptyDirectory(f.name, f.mode === undefined ? {} : { mode: f.mode });
      continue;
    }
    const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
    zip.addBuffer(content, f.name, {
      compress: f.compress ?? true,
      ...(f.mode === undefined ? {} : { mode: f.mode }),
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `total` zero bytes deflated, fed in 1 MiB pieces: the test never holds them inflated. */
export async function zerosDeflated(total: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  const parts: Buffer[] = [];
  const deflate = zlib.createDeflateRaw({ level: 9 });
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  for (let n = 0; n < total; n += chunk.length) {
    if (!deflate.write(chunk.subarray(0, Math.min(chunk.length, total - n)))) {
      await new Promise((r) => deflate.once('drain', r));
    }
  }
  deflate.end();
  await done;
  return Buffer.concat(parts);
}
