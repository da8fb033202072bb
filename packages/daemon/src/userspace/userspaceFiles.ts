import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InstalledVersions } from '@paddock/app-package';
import type { PurgePlan } from '@paddock/shared';
import { settleStaged } from './stagedDir.js';

/**
 * Userspace apps on the host, under `<data dir>/userspace`:
 * - `code/<id>/v<N>/` and `code/<id>/current`: installed versions (`InstalledVersions`);
 * - `packages/<id>/v<N>.paddockapp`: the signed packages kept (current, previous, pending),
 *   which a download serves and a consent installs from;
 * - `data/<id>/`: the app's own data (part 2's broker keeps kv, tables and files here), and
 *   `data-snapshots/<id>/v<N>/`: its copy taken before the update to version N;
 * - `incoming/`: uploads and downloads being checked (emptied at start).
 */
export class UserspaceFiles {
  readonly code: InstalledVersions;

  constructor(readonly root: string) {
    for (const dir of ['code', 'packages', 'data', 'data-snapshots', 'incoming']) {
      fs.mkdirSync(path.join(root, dir), { recursive: true, mode: 0o700 });
    }
    this.code = new InstalledVersions(path.join(root, 'code'));
  }

  /**
   * After a crash, at start: the records are the truth. Each app's `current` goes back to the
   * version its row names (a crash between the swap and the record), apps with no row go,
   * then half-received packages, half-installed versions, and data copies half made or half
   * swapped in (`StagedDir`).
   */
  recover(recorded: ReadonlyMap<string, number>): string[] {
    const settled: string[] = [];
    for (const appId of this.code.apps()) {
      const version = recorded.get(appId) ?? null;
      if (version === null || this.code.current(appId) !== version) {
        this.code.settle(appId, version);
        settled.push(path.join('code', appId, version === null ? '' : `v${version}`));
      }
    }
    for (const appId of fs.readdirSync(path.join(this.root, 'packages'))) {
      if (!recorded.has(appId)) {
        fs.rmSync(path.join(this.root, 'packages', appId), { recursive: true, force: true });
        settled.push(path.join('packages', appId));
      }
    }
    const incoming = path.join(this.root, 'incoming');
    const removed = fs.readdirSync(incoming).map((name) => path.join('incoming', name));
    for (const name of fs.readdirSync(incoming)) {
      fs.rmSync(path.join(incoming, name), { recursive: true, force: true });
    }
    const snapshots = path.join(this.root, 'data-snapshots');
    for (const dir of [
      path.join(this.root, 'data'),
      ...fs.readdirSync(snapshots).map((appId) => path.join(snapshots, appId)),
    ]) {
      settled.push(...settleStaged(dir).map((p) => path.relative(this.root, p)));
    }
    return [
      ...settled,
      ...removed,
      ...this.code.recover().removed.map((p) => path.join('code', p)),
    ];
  }

  /** A fresh path under `incoming/` for a package on its way in. */
  incomingFile(): string {
    return path.join(
      this.root,
      'incoming',
      `${Date.now()}-${randomBytes(6).toString('hex')}.paddockapp`,
    );
  }

  packageFile(appId: string, version: number): string {
    return path.join(this.root, 'packages', appId, `v${version}.paddockapp`);
  }

  /** Moves a checked package into the kept ones (one rename, same file system). */
  keepPackage(appId: string, version: number, file: string): void {
    fs.mkdirSync(path.join(this.root, 'packages', appId), { recursive: true, mode: 0o700 });
    fs.renameSync(file, this.packageFile(appId, version));
  }

  /** The versions a rollback may need: the current one and the one before it. */
  keptVersions(appId: string): number[] {
    return [this.code.current(appId), this.code.previous(appId)].filter(
      (v): v is number => v !== null,
    );
  }

  /** Removes the kept packages and data snapshots of versions not in `keep`. */
  pruneVersions(appId: string, keep: readonly number[]): void {
    for (const dir of [path.join(this.root, 'packages', appId), this.snapshotsDir(appId)]) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        const m = /^v(\d+)(\.paddockapp)?$/.exec(name);
        if (m && !keep.includes(Number(m[1]))) {
          fs.rmSync(path.join(dir, name), { recursive: true, force: true });
        }
      }
    }
  }

  codeDir(appId: string, version: number): string {
    return this.code.dirOf(appId, version);
  }

  dataDir(appId: string): string {
    return path.join(this.root, 'data', appId);
  }

  snapshotsDir(appId: string): string {
    return path.join(this.root, 'data-snapshots', appId);
  }

  /** Everything a purge removes, with its size: what `confirmation_required` shows first. */
  purgePlan(appId: string): PurgePlan {
    const paths = [
      path.join(this.root, 'code', appId),
      path.join(this.root, 'packages', appId),
      this.dataDir(appId),
      this.snapshotsDir(appId),
    ].filter((p) => fs.existsSync(p));
    return { paths, bytes: paths.reduce((sum, p) => sum + sizeOf(p), 0) };
  }

  purge(appId: string): PurgePlan {
    const plan = this.purgePlan(appId);
    for (const p of plan.paths) fs.rmSync(p, { recursive: true, force: true });
    return plan;
  }
}

function sizeOf(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((sum, name) => sum + sizeOf(path.join(p, name)), 0);
}
