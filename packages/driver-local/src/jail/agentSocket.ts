import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The agent's socket, pinned.
 *
 * The agent binds its socket in the run dir, which the sandbox uid owns (it is /run/paddock
 * inside). Code in the sandbox can replace that name with anything, a symlink to some host
 * socket included, so the daemon must never connect through it. Right after boot, while only
 * the agent has run in the sandbox, the driver hard-links the socket inode into the runtime
 * tmpfs root (0710 root:<gid>: the sandbox uid cannot create, rename or unlink entries there)
 * and connects only through that link from then on. link(2) does not follow a symlink source,
 * and both names are on the same tmpfs. Whatever the sandbox later does to its own name, the
 * pinned name keeps pointing at the inode the agent bound; if the agent dies, nothing can bind
 * that inode again, so connecting fails instead of reaching someone else.
 */

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * Why `pinned` is not a trustworthy agent socket, or null if it is: it must be a socket owned by
 * the sandbox uid, in a directory owned by root that no one else may write to.
 */
export function pinnedSocketProblem(pinned: string, uid: number): string | null {
  let dir: fs.Stats;
  let st: fs.Stats;
  try {
    dir = fs.lstatSync(path.dirname(pinned));
    st = fs.lstatSync(pinned);
  } catch (err) {
    return `${pinned} is missing (${errno(err) ?? String(err)})`;
  }
  if (!dir.isDirectory() || dir.uid !== 0 || (dir.mode & 0o022) !== 0) {
    return `${path.dirname(pinned)} is not a root-owned directory closed to others`;
  }
  if (!st.isSocket()) return `${pinned} is not a socket`;
  if (st.uid !== uid) return `${pinned} belongs to uid ${st.uid}, not the sandbox uid ${uid}`;
  return null;
}

/**
 * Hard-link the socket the agent bound at `bound` to `pinned` and check the result. Throws when
 * the link cannot be made or is not the sandbox's socket, which fails the boot.
 */
export function pinAgentSocket(bound: string, pinned: string, uid: number): void {
  unpinAgentSocket(pinned);
  try {
    // linkat(2) without AT_SYMLINK_FOLLOW: a symlink at `bound` is linked as a symlink, not followed.
    fs.linkSync(bound, pinned);
  } catch (err) {
    throw new Error(`cannot pin the agent socket ${bound}: ${String(err)}`);
  }
  const problem = pinnedSocketProblem(pinned, uid);
  if (problem !== null) {
    unpinAgentSocket(pinned);
    throw new Error(`refusing the agent socket: ${problem}`);
  }
}

/** Remove the pinned link (missing is fine). */
export function unpinAgentSocket(pinned: string): void {
  try {
    fs.unlinkSync(pinned);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/**
 * Wait until something exists at `bound` (the agent binding its socket) and resolve. Whether it
 * is a socket owned by the sandbox is `pinAgentSocket`'s check, made on the pinned link.
 */
export async function waitForAgentSocket(
  bound: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      fs.lstatSync(bound);
      return;
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`the agent did not create its socket within ${timeoutMs} ms`);
    await sleep(Math.min(delay, left), undefined, { signal });
    delay = Math.min(delay * 1.5, 50);
  }
}
