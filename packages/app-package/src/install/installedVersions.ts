import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, failpoint } from '@paddock/shared';

/** What `recover` found and removed after a crash: paths under the root. */
export interface Recovery {
  removed: string[];
}

const STAGING = '.staging';
const CURRENT = 'current';
const VERSION_DIR = /^v(\d+)$/;

/**
 * The installed versions of userspace apps on disk: `<root>/<appId>/v<N>/` each whole, and
 * `<root>/<appId>/current`, a symlink naming the one in use. An install fills a staging
 * directory, renames it into place, then swaps `current` by renaming a new link over it: each
 * step is one rename, so a crash anywhere leaves `current` at exactly one whole version, the
 * old one or the new one. `recover` (at start) removes what a crash left: staging directories
 * and versions that never became current. The version before the current one is kept, for a
 * rollback; older ones go.
 */
export class InstalledVersions {
  constructor(private readonly root: string) {
    fs.mkdirSync(path.join(root, STAGING), { recursive: true, mode: 0o700 });
  }

  /** The version in use, or null when the app is not installed. */
  current(appId: string): number | null {
    const link = this.linkOf(appId);
    const target = fs.existsSync(link) ? fs.readlinkSync(link) : null;
    const m = target === null ? null : VERSION_DIR.exec(target);
    return m ? Number(m[1]) : null;
  }

  /** The version a rollback returns to: the newest below the current one. */
  previous(appId: string): number | null {
    const current = this.current(appId);
    if (current === null) return null;
    const older = this.versions(appId).filter((v) => v < current);
    return older.length > 0 ? Math.max(...older) : null;
  }

  dirOf(appId: string, version: number): string {
    return path.join(this.root, appId, `v${version}`);
  }

  /**
   * Installs `version`: `fill` makes the staging directory it is given (it must create it, as
   * `extractPackage` does) and writes the files; then it is renamed into place and `current`
   * swapped to it. A failure before the swap leaves the installed version as it was.
   */
  async install(
    appId: string,
    version: number,
    fill: (stagingDir: string) => Promise<void>,
  ): Promise<void> {
    const staging = path.join(
      this.root,
      STAGING,
      `${appId}-v${version}-${randomBytes(4).toString('hex')}`,
    );
    try {
      await fill(staging);
      failpoint('install.staged');
      fs.mkdirSync(path.join(this.root, appId), { recursive: true, mode: 0o755 });
      const target = this.dirOf(appId, version);
      if (this.current(appId) === version) {
        throw new PaddockError('conflict', `version ${version} of app ${appId} is installed`);
      }
      // A leftover of an install that never became current.
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(staging, target);
      syncDir(path.join(this.root, appId));
      failpoint('install.placed');
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    this.point(appId, version);
    failpoint('install.swapped');
    this.prune(appId);
  }

  /** Points `current` back to the previous version; false when there is none. */
  rollback(appId: string): boolean {
    const previous = this.previous(appId);
    if (previous === null) return false;
    this.point(appId, previous);
    return true;
  }

  /**
   * Makes `current` name `version` (the version the caller's records say is in use), or
   * removes the app when they know none: a crash between the swap and the record is undone
   * this way, at start. False when `version`'s directory is not there.
   */
  settle(appId: string, version: number | null): boolean {
    if (version === null) {
      fs.rmSync(path.join(this.root, appId), { recursive: true, force: true });
      return true;
    }
    if (!fs.existsSync(this.dirOf(appId, version))) return false;
    if (this.current(appId) !== version) this.point(appId, version);
    return true;
  }

  /** Removes a version that is not in use (one that failed after an update and was rolled back). */
  discard(appId: string, version: number): void {
    if (this.current(appId) === version) {
      throw new PaddockError('conflict', `version ${version} of app ${appId} is in use`);
    }
    fs.rmSync(this.dirOf(appId, version), { recursive: true, force: true });
  }

  /** The apps with anything on disk. */
  apps(): string[] {
    return fs.readdirSync(this.root).filter((name) => name !== STAGING);
  }

  /**
   * After a crash (at start, before anything installs): staging directories go, and so do
   * versions newer than the current one (they were never swapped in). The current version and
   * the one before it stay.
   */
  recover(): Recovery {
    const removed: string[] = [];
    const staging = path.join(this.root, STAGING);
    for (const name of fs.readdirSync(staging)) {
      fs.rmSync(path.join(staging, name), { recursive: true, force: true });
      removed.push(path.join(STAGING, name));
    }
    for (const appId of fs.readdirSync(this.root)) {
      if (appId === STAGING) continue;
      fs.rmSync(path.join(this.root, appId, `${CURRENT}.next`), { force: true });
      const current = this.current(appId);
      for (const v of this.versions(appId)) {
        if (current === null || v > current) {
          fs.rmSync(this.dirOf(appId, v), { recursive: true, force: true });
          removed.push(path.join(appId, `v${v}`));
        }
      }
      removed.push(...this.prune(appId));
    }
    return { removed };
  }

  private linkOf(appId: string): string {
    return path.join(this.root, appId, CURRENT);
  }

  private versions(appId: string): number[] {
    const dir = path.join(this.root, appId);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .map((name) => VERSION_DIR.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
  }

  /** Swaps `current` in one rename: a crash leaves the old link or the new one. */
  private point(appId: string, version: number): void {
    const next = `${this.linkOf(appId)}.next`;
    fs.rmSync(next, { force: true });
    fs.symlinkSync(`v${version}`, next);
    fs.renameSync(next, this.linkOf(appId));
    syncDir(path.join(this.root, appId));
  }

  /** Keeps the current version and the one before it. */
  private prune(appId: string): string[] {
    const current = this.current(appId);
    if (current === null) return [];
    const keep = new Set([current, this.previous(appId)]);
    const removed: string[] = [];
    for (const v of this.versions(appId)) {
      if (keep.has(v) || v > current) continue;
      fs.rmSync(this.dirOf(appId, v), { recursive: true, force: true });
      removed.push(path.join(appId, `v${v}`));
    }
    return removed;
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
