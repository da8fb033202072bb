import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SandboxArchiveResult } from '@paddock/shared';
import { ArchiveEntryCheck, readUntrustedTar } from '@paddock/snapshots';
import tar from 'tar-stream';
import type { ApiClient } from '../apiClient.js';
import { emit } from '../output.js';

/** A pull's bounds on this machine: generous, but a runaway stream still ends. */
const PULL_LIMITS = { maxBytes: 1024 ** 4, maxEntries: 1_000_000 };

/**
 * `paddock files push ID LOCAL_DIR REMOTE_DIR`: the local tree as a tar, made as it is sent
 * (files, directories and symlinks with their modes; sockets and devices are skipped).
 */
export async function pushDir(
  api: ApiClient,
  id: string,
  localDir: string,
  remoteDir: string,
): Promise<number> {
  const st = await fsp.stat(localDir);
  if (!st.isDirectory()) throw new Error(`${localDir} is not a directory`);
  const pack = tar.pack();
  const packing = packTree(pack, localDir).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  const res = await api.request(
    'PUT',
    `/v1/sandboxes/${id}/archive?path=${encodeURIComponent(remoteDir)}`,
    {
      body: Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false }),
      contentType: 'application/x-tar',
    },
  );
  await packing;
  const result = (await res.json()) as SandboxArchiveResult;
  emit(result, (r) => console.log(`${r.path}\t${r.files} files\t${r.bytes} bytes`));
  return 0;
}

async function packTree(pack: tar.Pack, root: string, rel = ''): Promise<void> {
  const entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(root, name);
    const st = await fsp.lstat(full);
    const common = { name, mode: st.mode & 0o777, mtime: st.mtime };
    if (st.isDirectory()) {
      pack.entry({ ...common, name: `${name}/`, type: 'directory' });
      await packTree(pack, root, name);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...common, type: 'symlink', linkname: await fsp.readlink(full) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const source = fs.createReadStream(full);
        const sink = pack.entry({ ...common, type: 'file', size: st.size }, (err) =>
          err ? reject(err) : resolve(),
        );
        sink.on('error', () => undefined);
        source.on('error', reject).pipe(sink);
      });
    } else {
      console.error(`paddock: skipped ${name}: not a file, directory or symlink`);
    }
  }
}

/**
 * `paddock files pull ID REMOTE_DIR LOCAL_DIR`: the remote tree unpacked here as it streams,
 * with the rules the daemon holds uploads to (no absolute paths, `..`, links out, hard links,
 * devices, nothing through a symlink): an entry that breaks one stops the pull there.
 * Existing files are replaced, never written through (a symlink in their place is removed).
 */
export async function pullDir(
  api: ApiClient,
  id: string,
  remoteDir: string,
  localDir: string,
): Promise<number> {
  const res = await api.request(
    'GET',
    `/v1/sandboxes/${id}/archive?path=${encodeURIComponent(remoteDir)}`,
  );
  await fsp.mkdir(localDir, { recursive: true });
  const check = new ArchiveEntryCheck({ maxEntries: PULL_LIMITS.maxEntries, linksOut: 'refuse' });
  const body = Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>;
  let files = 0;
  let bytes = 0;
  const dirModes: [string, number][] = [];
  for await (const { entry, body: data } of readUntrustedTar(body, PULL_LIMITS, check)) {
    if (entry === null) continue;
    const target = path.join(localDir, ...entry.path.split('/'));
    await fsp.mkdir(path.dirname(target), { recursive: true });
    if (entry.type === 'dir') {
      await fsp.mkdir(target, { recursive: true });
      dirModes.push([target, entry.mode]);
      continue;
    }
    await fsp.rm(target, { force: true });
    if (entry.type === 'symlink') {
      await fsp.symlink(entry.target, target);
      continue;
    }
    // 'wx': a path that reappeared in between is not written through.
    await pipeline(data, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    await fsp.chmod(target, entry.mode);
    await fsp.utimes(target, entry.mtime_ms / 1000, entry.mtime_ms / 1000);
    files++;
    bytes += entry.size;
  }
  // Modes last, deepest first: a read-only directory must not stop what goes in it.
  for (const [dir, mode] of dirModes.reverse()) await fsp.chmod(dir, mode);
  emit({ path: localDir, files, bytes }, (r) =>
    console.log(`${r.path}\t${r.files} files\t${r.bytes} bytes`),
  );
  return 0;
}
