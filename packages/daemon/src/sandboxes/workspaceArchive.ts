import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AGENT_LIMITS, PaddockError, type SandboxArchiveResult } from '@paddock/shared';
import { isDeniedPath, type AgentClient } from '@paddock/guest-agent';
import { ArchiveEntryCheck, readUntrustedTar } from '@paddock/snapshots';
import tar from 'tar-stream';

/** What one upload may hold: its tar is staged as one file, so the agent's write cap bounds it. */
export const WORKSPACE_ARCHIVE_LIMITS = {
  maxBytes: AGENT_LIMITS.fileWriteBytes,
  maxEntries: 100_000,
};

/** Unpacking and packing run as commands in the sandbox; a very large tree may take a while. */
const TAR_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * Unpacks an untrusted tar or tar.gz into `dir` of the workspace, without the daemon ever
 * holding it whole or writing into the workspace itself:
 *
 * 1. The upload streams through the same entry checks as a snapshot import (plus: no symlink
 *    pointing out, nothing on the files API's deny list) and is re-packed, entry by entry, as a
 *    plain tar of only what passed: what the sandbox's tar unpacks is what was checked, never
 *    the client's bytes (no parser differences).
 * 2. That tar is written by the agent to a staging file in the workspace root (atomically: a
 *    refusal half-way aborts the write and the agent removes its temp file, so nothing lands).
 * 3. Only once the whole upload has passed, `tar -x` runs in the sandbox as its user
 *    (`--no-same-owner`), and the staging file is removed.
 */
export async function unpackIntoWorkspace(
  client: AgentClient,
  dir: string,
  body: AsyncIterable<Buffer>,
  signal?: AbortSignal,
): Promise<SandboxArchiveResult & { changed: string[] }> {
  // The directory is made only once the upload has passed: a refusal leaves nothing behind.
  const rel = workspaceRelative(dir);
  const prefix = rel === '.' ? '' : `${rel}/`;
  const check = new ArchiveEntryCheck({
    maxEntries: WORKSPACE_ARCHIVE_LIMITS.maxEntries,
    linksOut: 'refuse',
  });
  const pack = tar.pack();
  let files = 0;
  let bytes = 0;
  /** The target's direct children the archive names (the runtime looks for sandbox.yaml). */
  const changed: string[] = [];
  let refusal: unknown = null;
  let writeFailed = false;
  const repacking = (async () => {
    for await (const { entry, body: data } of readUntrustedTar(
      body,
      WORKSPACE_ARCHIVE_LIMITS,
      check,
    )) {
      if (writeFailed) throw new Error('the staging write failed'); // read no further
      if (entry === null) continue;
      if (isDeniedPath(prefix + entry.path)) {
        throw new PaddockError('path_denied', `writing to ${prefix + entry.path} is not allowed`, {
          entry: entry.path,
        });
      }
      if (!entry.path.includes('/') && changed.length < 1000) changed.push(prefix + entry.path);
      const mtime = new Date(entry.mtime_ms);
      if (entry.type === 'dir') {
        pack.entry({ name: `${entry.path}/`, type: 'directory', mode: entry.mode, mtime });
      } else if (entry.type === 'symlink') {
        pack.entry({ name: entry.path, type: 'symlink', linkname: entry.target, mtime });
      } else {
        await packStream(
          pack,
          { name: entry.path, size: entry.size, mode: entry.mode, mtime },
          data,
        );
        files++;
        bytes += entry.size;
      }
    }
    pack.finalize();
  })().catch((err: unknown) => {
    // After the write failed, the pack is torn down under the loop: that is no refusal.
    if (!writeFailed) refusal = err;
    pack.destroy(err as Error);
  });

  const stage = `.paddock-upload-${randomBytes(8).toString('hex')}.tar`;
  try {
    await client.writeFile(
      stage,
      Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false }),
      {
        mode: 0o600,
        signal,
      },
    );
  } catch (err) {
    writeFailed = true;
    pack.destroy();
    await repacking;
    if (refusal) {
      // The agent removes the temp file of a write cut short once it notices the hang-up, which
      // may be after this answer; removed here, the refusal leaves nothing behind when it comes.
      await client
        .exec({ argv: ['sh', '-c', 'rm -f -- ."$1".paddock-*.tmp', 'sh', stage] })
        .catch(() => undefined);
    }
    // The upload's own fault comes first: the write only failed because it was cut short.
    throw refusal ?? err;
  }
  await repacking;
  if (refusal) throw refusal;

  let target;
  try {
    target = await client.mkdir({ path: dir, parents: true }, signal);
  } catch (err) {
    await client.deleteFile(stage).catch(() => undefined);
    throw err;
  }
  const unpacked = await client.exec(
    {
      argv: [
        'sh',
        '-c',
        'trap \'rm -f -- "$1"\' EXIT; tar -x -p --no-same-owner -f "$1" -C "$2"',
        'sh',
        stage,
        target.path,
      ],
      timeout_ms: TAR_TIMEOUT_MS,
    },
    signal,
  );
  if (unpacked.exit_code !== 0) throw tarFailure('unpacking', unpacked.stderr);
  return { path: target.path, files, bytes, changed };
}

/** `/workspace/a/./b/` → `a/b` (the agent checks it again, for real, when it makes the directory). */
function workspaceRelative(dir: string): string {
  const stripped = dir.replace(/^\/workspace(\/|$)/, '');
  if (stripped.startsWith('/')) {
    throw new PaddockError('invalid_path', `${dir} is not a path inside the workspace`);
  }
  const normal = path.posix.normalize(stripped === '' ? '.' : stripped).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) {
    throw new PaddockError('invalid_path', `${dir} is not a path inside the workspace`);
  }
  return normal === '' ? '.' : normal;
}

export interface PackOptions {
  /** Names left out wherever they occur (GNU tar's unanchored `--exclude`). */
  exclude?: readonly string[];
}

/**
 * `dir` of the workspace as a tar stream, made by `tar -c` in the sandbox (as its user: it reads
 * only what the sandbox can read, and never follows a symlink). Its bytes travel base64 in the
 * exec stream, which carries text, and are decoded as they come: never held whole. A tar that
 * fails half-way fails the stream, so a client never takes a cut archive for a whole one.
 */
export async function packWorkspaceDir(
  client: AgentClient,
  dir: string,
  options: PackOptions = {},
  signal?: AbortSignal,
): Promise<Readable> {
  const stat = await client.stat(dir, signal);
  if (stat.type !== 'directory') {
    throw new PaddockError('not_a_directory', `${dir} is not a directory`);
  }
  const excludes = (options.exclude ?? []).map((name) => `--exclude=${name}`);
  const frames = client.execStream(
    {
      argv: [
        'sh',
        '-c',
        // The exit status goes to stderr after the last byte; base64 keeps stdout text.
        'd=$1; shift; { tar -c --hard-dereference "$@" -f - -C "$d" . 2>/dev/null; echo "tar-exit=$?" >&2; } | base64 -w 0',
        'sh',
        dir,
        ...excludes,
      ],
      timeout_ms: TAR_TIMEOUT_MS,
    },
    signal,
  );
  async function* decoded(): AsyncGenerator<Buffer> {
    let carry = '';
    let stderr = '';
    for await (const frame of frames) {
      if (frame.event === 'stdout') {
        const text = carry + frame.data.text.replace(/\s+/g, '');
        const whole = text.length - (text.length % 4);
        carry = text.slice(whole);
        if (whole > 0) yield Buffer.from(text.slice(0, whole), 'base64');
      } else if (frame.event === 'stderr') {
        stderr = (stderr + frame.data.text).slice(-4096);
      } else if (frame.event === 'error') {
        throw new PaddockError('sandbox_unavailable', frame.data.message);
      } else if (frame.event === 'exit') {
        // 1: a file changed while it was read, which a live workspace may do; 2 is fatal.
        const status = /tar-exit=(\d+)/.exec(stderr)?.[1];
        if (frame.data.exit_code !== 0 || (status !== '0' && status !== '1') || carry !== '') {
          throw tarFailure('packing', stderr);
        }
      }
    }
  }
  return Readable.from(decoded(), { objectMode: false });
}

/** One file's bytes into the pack, honouring its backpressure. */
function packStream(
  pack: tar.Pack,
  header: { name: string; size: number; mode: number; mtime: Date },
  data: AsyncIterable<Buffer>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const source = Readable.from(data, { objectMode: false });
    const sink = pack.entry({ ...header, type: 'file' }, (err) => {
      if (err) source.destroy();
      return err ? reject(err) : resolve();
    });
    sink.on('error', () => undefined);
    source.on('error', reject).pipe(sink);
  });
}

function tarFailure(what: string, stderr: string): PaddockError {
  // GNU tar reports a short write as such, without the errno, when the disk fills mid-file.
  if (/No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/i.test(stderr)) {
    return new PaddockError('no_space', 'the workspace disk is full');
  }
  const detail = stderr
    .replace(/tar-exit=\d+\s*/g, '')
    .trim()
    .slice(-500);
  return new PaddockError(
    'conflict',
    `${what} the archive in the sandbox failed${detail ? `: ${detail}` : ''}`,
  );
}
