import { existsSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
  devOptional?: boolean;
}

interface Lockfile {
  packages?: Record<string, LockEntry>;
}

/** npm's rule for os/cpu/libc lists: `!x` excludes x; any plain entries must include it. */
function allows(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const wanted = list.filter((v) => !v.startsWith('!'));
  return wanted.length === 0 || wanted.includes(value);
}

function hostLibc(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * The platform packages this host needs (rolldown's, lightningcss's, Next's SWC, TypeScript's
 * native compiler...) that are missing from an install. They are optional dependencies, so an
 * npm that skips one (a lockfile or config quirk) says nothing, and the dev server fails later
 * inside the sandbox with no network to repair it. None of them needs its install script:
 * they ship the binary in the package.
 */
export function missingNativePackages(installDir: string, lockfileText: string): string[] {
  const lock = JSON.parse(lockfileText) as Lockfile;
  const libc = hostLibc();
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/')) continue;
    if (!entry.os && !entry.cpu && !entry.libc) continue;
    if (!entry.optional && !entry.devOptional) continue;
    if (!allows(entry.os, process.platform) || !allows(entry.cpu, process.arch)) continue;
    if (libc !== undefined && !allows(entry.libc, libc)) continue;
    if (!existsSync(path.join(installDir, key, 'package.json'))) missing.push(key);
  }
  return missing;
}
