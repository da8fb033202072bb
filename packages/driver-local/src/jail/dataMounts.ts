import fs from 'node:fs';
import path from 'node:path';
import { GUEST_DATA_ROOT, PaddockError, type DataMount } from '@paddock/shared';

/** More mounts than this is a mistake, not a need; each one is a mount at every boot. */
export const MAX_DATA_MOUNTS = 16;

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * The driver's own guard on data mounts (the daemon checks its API input too): each target is
 * an absolute, normalized path strictly below GUEST_DATA_ROOT whose segments are plain names,
 * none repeated or inside another; each source an existing host directory. Returns the mounts
 * with only their three fields, so records stay exact.
 */
export function checkDataMounts(mounts: DataMount[] | undefined): DataMount[] {
  const list = mounts ?? [];
  if (list.length > MAX_DATA_MOUNTS) {
    throw new PaddockError(
      'bad_request',
      `a sandbox takes at most ${MAX_DATA_MOUNTS} data mounts (${list.length} asked)`,
    );
  }
  const out: DataMount[] = [];
  for (const m of list) {
    checkTarget(m.target);
    for (const other of out) {
      if (other.target === m.target) {
        throw new PaddockError('invalid_path', `data mount target ${m.target} is given twice`);
      }
      if (m.target.startsWith(`${other.target}/`) || other.target.startsWith(`${m.target}/`)) {
        throw new PaddockError(
          'invalid_path',
          `data mount targets ${other.target} and ${m.target} are nested; each needs its own place`,
        );
      }
    }
    checkSource(m.source);
    out.push({ source: m.source, target: m.target, readOnly: m.readOnly });
  }
  return out;
}

function checkTarget(target: string): void {
  const root = `${GUEST_DATA_ROOT}/`;
  const bad = (why: string) =>
    new PaddockError('invalid_path', `data mount target "${target}" ${why}`);
  if (typeof target !== 'string' || !target.startsWith('/')) throw bad('is not an absolute path');
  if (!target.startsWith(root) || target.length === root.length) {
    throw bad(`is not below ${GUEST_DATA_ROOT}`);
  }
  const segments = target.slice(root.length).split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw bad('is not a normalized path');
    if (!SEGMENT.test(s)) throw bad('may only use letters, digits, ".", "_" and "-" in its names');
  }
  if (path.posix.normalize(target) !== target) throw bad('is not a normalized path');
}

function checkSource(source: string): void {
  if (typeof source !== 'string' || !path.isAbsolute(source) || path.normalize(source) !== source) {
    throw new PaddockError('invalid_path', `data mount source "${source}" is not an absolute path`);
  }
  // lstat: the source itself is a real directory, never a link the driver would follow as root.
  if (!fs.lstatSync(source, { throwIfNoEntry: false })?.isDirectory()) {
    throw new PaddockError('invalid_path', `data mount source ${source} is not a directory`);
  }
}
