import fs from 'node:fs';
import path from 'node:path';
import { PRESETS } from './catalog.js';
import type { DependencyCache, Installable } from './dependencyCache.js';
import { TOOLS } from './tools.js';

/** One `<root>/<name>-<key>/` of the dependency cache. */
export interface CacheEntry {
  /** The entry's directory name, `<name>-<key>`. */
  entry: string;
  dir: string;
  /** What it installs: a preset's or a tool's cache name (`node-express`, `tool-codex`). */
  name: string;
  key: string;
  /** True when it is the key of the current template (the one sandboxes are given). */
  current: boolean;
}

/** The package.json and package-lock.json an entry was installed from, as it kept them. */
export interface EntryInputs {
  entry: string;
  packageJson: Buffer;
  lockfile: Buffer;
}

const ENTRY = /^(.+)-([0-9a-f]{16})$/;
/** An entry keeps the two files `npm ci` ran on; nothing this size is a template's. */
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/**
 * The complete entries of the cache (`node_modules` present), of presets and tools this daemon
 * knows; temporary builds, `bin/` and anything else in the root are not entries.
 */
export function listCacheEntries(cache: DependencyCache): CacheEntry[] {
  const installables = new Map<string, Installable>(
    [...PRESETS.filter((p) => p.dependencies === 'npm'), ...TOOLS].map((i) => [i.name, i]),
  );
  let names: string[];
  try {
    names = fs.readdirSync(cache.root);
  } catch {
    return [];
  }
  const out: CacheEntry[] = [];
  for (const entry of names.sort()) {
    const m = ENTRY.exec(entry);
    const installable = m ? installables.get(m[1]!) : undefined;
    if (!m || !installable) continue;
    const dir = path.join(cache.root, entry);
    if (!fs.existsSync(path.join(dir, 'node_modules'))) continue;
    out.push({ entry, dir, name: m[1]!, key: m[2]!, current: cache.key(installable) === m[2] });
  }
  return out;
}

/**
 * The inputs of the entries of `name` other than the current one: what earlier versions of the
 * preset's template said, while their entries are still in the cache.
 */
export function earlierInputs(cache: DependencyCache, name: string): EntryInputs[] {
  return listCacheEntries(cache)
    .filter((e) => e.name === name && !e.current)
    .flatMap((e) => {
      const packageJson = readSmall(path.join(e.dir, 'package.json'));
      const lockfile = readSmall(path.join(e.dir, 'package-lock.json'));
      return packageJson && lockfile ? [{ entry: e.entry, packageJson, lockfile }] : [];
    });
}

function readSmall(file: string): Buffer | null {
  try {
    const st = fs.lstatSync(file);
    return st.isFile() && st.size <= MAX_INPUT_BYTES ? fs.readFileSync(file) : null;
  } catch {
    return null;
  }
}
