import { chmod, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Directories 0755, files 0644 (0755 when executable by the owner), whatever umask npm ran
 * under: sandboxes read the tree as other uids, and none may write to it. Symlinks are left
 * alone (their targets are inside the tree and get their own turn).
 */
export async function makeWorldReadable(root: string): Promise<void> {
  const info = await lstat(root);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    await chmod(root, 0o755);
    const names = await readdir(root);
    await Promise.all(names.map((name) => makeWorldReadable(path.join(root, name))));
  } else {
    await chmod(root, info.mode & 0o100 ? 0o755 : 0o644);
  }
}
