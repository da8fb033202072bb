import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, type WorkspaceMount } from '@paddock/shared';
import { mustRun, type HostTools } from '../host/hostCommands.js';
import { mountPoints, unmountAll } from '../host/mountTable.js';

/**
 * A writable mount's own layer (ADR 0016): a kernel overlayfs whose lower layer is the shared,
 * read-only source and whose upper layer lives in the sandbox's workspace image, in
 * `<name>/.paddock-layer/` under the mount point itself. The overlay covers that directory, so
 * the sandbox never sees its layer's internals; writes land in the image (inside the disk
 * limit) and the source is never changed. Mounted by the driver as root before bubblewrap
 * starts, so nothing of the sandbox runs while these paths are checked.
 */
export const LAYER_DIR = '.paddock-layer';

/** Which source a layer was made over; another source (a new cache key) starts it afresh. */
const SOURCE_FILE = 'source';

export interface LayerOwner {
  uid: number;
  gid: number;
}

/** Overlay options are comma-separated and lowerdir takes colons: such paths are refused. */
const UNSAFE_OPTION_CHARS = /[,:\\\n]/;

/** Mount the layer of each writable mount over `<workspaceDir>/<name>` (a real directory). */
export async function mountWritableLayers(
  tools: HostTools,
  workspaceDir: string,
  mounts: WorkspaceMount[],
  owner: LayerOwner,
): Promise<void> {
  for (const m of mounts) {
    if (m.writable !== true) continue;
    const target = path.join(workspaceDir, m.name);
    const { upper, work } = prepareLayer(target, m.source, owner);
    for (const p of [m.source, upper, work, target]) {
      if (UNSAFE_OPTION_CHARS.test(p)) {
        throw new PaddockError('driver_error', `cannot use ${p} in an overlay mount`);
      }
    }
    await mustRun(tools.mount, [
      '-t',
      'overlay',
      '-o',
      `lowerdir=${m.source},upperdir=${upper},workdir=${work},nosuid,nodev`,
      'paddock-layer',
      target,
    ]);
  }
}

/**
 * Unmount whatever is mounted below the workspace mount point (the layers), deepest first.
 * Reads the mount table rather than the record, so a layer left by a crash or by an earlier
 * mount set goes too.
 */
export async function unmountWritableLayers(tools: HostTools, workspaceDir: string): Promise<void> {
  const below = mountPoints()
    .filter((p) => p.startsWith(workspaceDir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of new Set(below)) await unmountAll(tools.umount, p);
}

/**
 * The layer's directories, made (or checked) as root. `.paddock-layer` is root's (0700): the
 * sandbox can never write inside it, so what is there was made here. Anything else in its
 * place (a file, a symlink, a directory the sandbox made while nothing covered the mount
 * point) is moved aside, never followed.
 */
function prepareLayer(
  target: string,
  source: string,
  owner: LayerOwner,
): { upper: string; work: string } {
  const layer = path.join(target, LAYER_DIR);
  const upper = path.join(layer, 'upper');
  const work = path.join(layer, 'work');
  const seen = fs.lstatSync(layer, { throwIfNoEntry: false });
  if (seen !== undefined && !(seen.isDirectory() && seen.uid === 0)) {
    fs.renameSync(layer, `${layer}-moved-${Date.now()}`);
  }
  fs.mkdirSync(layer, { recursive: true, mode: 0o700 });
  fs.chownSync(layer, 0, 0);
  fs.chmodSync(layer, 0o700);
  const sourceFile = path.join(layer, SOURCE_FILE);
  const madeOver = fs.existsSync(sourceFile) ? fs.readFileSync(sourceFile, 'utf8') : null;
  if (madeOver !== source || !fs.existsSync(upper)) {
    // A fresh layer, or one made over another source: its whiteouts and copies would be
    // judged against a tree they were not made over. The app's dependencies are installed
    // again from its lockfile (inside the sandbox).
    fs.rmSync(upper, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
    makeUpper(source, upper, owner);
    fs.writeFileSync(sourceFile, source, { mode: 0o600 });
  }
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  return { upper, work };
}

/**
 * The upper layer starts as the source's directories, empty and owned by the sandbox: a
 * merged directory takes its owner from the upper layer, so the sandbox may add, replace and
 * remove entries anywhere in the tree (npm writes into `.bin` and replaces packages). Only
 * directories: files are copied up by the kernel when the sandbox writes one.
 */
function makeUpper(source: string, upper: string, owner: LayerOwner): void {
  const walk = (from: string, to: string): void => {
    fs.mkdirSync(to, { mode: fs.statSync(from).mode & 0o777 });
    fs.chownSync(to, owner.uid, owner.gid);
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(from, entry.name), path.join(to, entry.name));
    }
  };
  walk(source, upper);
}
