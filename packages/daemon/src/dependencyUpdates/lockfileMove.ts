import type { EntryInputs, NpmInputs } from '@paddock/presets';

/**
 * Whether an app's lockfile allows moving it to its preset's current lockfile (the rule of
 * docs/upgrading.md). Pure: it reads the files' bytes, never runs anything from them.
 *
 * The app's package.json must declare what the preset declares, in every field that decides an
 * install (INSTALL_FIELDS): either as the current preset does (then the current lockfile may
 * replace the app's unless it holds an older version of a package the app's lockfile has: a
 * move never downgrades), or as an earlier version of the preset did, with that version's
 * lockfile byte for byte (kept in the preset's older cache entry; then the app changed nothing
 * of its dependencies, and its package.json's install fields follow the preset's).
 */
export type MoveJudgement =
  | { outcome: 'up_to_date' }
  | {
      outcome: 'move';
      /** What to write: the current lockfile, and package.json when its install fields change. */
      files: { lockfile: Buffer; packageJson?: Buffer };
    }
  | { outcome: 'not_moved'; reason: string };

export interface AppNpmFiles {
  packageJson: Buffer | null;
  lockfile: Buffer | null;
}

/** package.json's fields that decide what npm installs. */
const INSTALL_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'overrides',
  'workspaces',
] as const;
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
const HINT =
  '; it keeps its own lockfile (installed at each boot): update it in the app, e.g. `npm install <package>@<version>`, then run this again';

type Json = Record<string, unknown>;

export function judgeMove(
  app: AppNpmFiles,
  current: NpmInputs,
  earlier: readonly EntryInputs[],
): MoveJudgement {
  if (app.packageJson === null) return notMoved('it has no package.json');
  if (app.lockfile === null) return notMoved('it has no package-lock.json');
  const appPkg = parseObject(app.packageJson);
  if (appPkg === null) return notMoved('its package.json is not a JSON object');
  const presetPkg = parseObject(current.packageJson) ?? {};
  const sameAsCurrent = installFieldsDiffer(appPkg, presetPkg).length === 0;

  if (app.lockfile.equals(current.lockfile)) {
    if (sameAsCurrent) return { outcome: 'up_to_date' };
    return notMoved(
      `its package.json ${installFieldsDiffer(appPkg, presetPkg).join('; ')} (its lockfile is the preset's)${HINT}`,
    );
  }
  if (sameAsCurrent) {
    const older = olderInPreset(app.lockfile, current.lockfile);
    if (older !== null) return notMoved(`${older}${HINT}`);
    return { outcome: 'move', files: { lockfile: current.lockfile } };
  }
  const match = earlier.find(
    (e) =>
      e.lockfile.equals(app.lockfile!) &&
      installFieldsDiffer(appPkg, parseObject(e.packageJson) ?? {}).length === 0,
  );
  if (match) {
    return {
      outcome: 'move',
      files: {
        lockfile: current.lockfile,
        packageJson: withInstallFields(app.packageJson, appPkg, presetPkg),
      },
    };
  }
  return notMoved(`its package.json ${installFieldsDiffer(appPkg, presetPkg).join('; ')}${HINT}`);
}

function notMoved(reason: string): MoveJudgement {
  return { outcome: 'not_moved', reason };
}

/** How the app's install fields differ from the preset's, in words; empty when they do not. */
export function installFieldsDiffer(app: Json, preset: Json): string[] {
  const out: string[] = [];
  for (const section of SECTIONS) {
    const mine = asRecord(app[section]);
    const theirs = asRecord(preset[section]);
    const added = Object.keys(mine).filter((n) => !(n in theirs));
    const removed = Object.keys(theirs).filter((n) => !(n in mine));
    const changed = Object.keys(mine).filter((n) => n in theirs && !same(mine[n], theirs[n]));
    if (added.length > 0) out.push(`adds ${list(added)} to ${section}`);
    if (removed.length > 0) out.push(`leaves ${list(removed)} out of ${section}`);
    for (const n of changed.slice(0, 5)) {
      out.push(`asks for ${n} ${String(mine[n])} where the preset has ${String(theirs[n])}`);
    }
  }
  for (const field of INSTALL_FIELDS) {
    if (!(SECTIONS as readonly string[]).includes(field) && !same(app[field], preset[field])) {
      out.push(`sets ${field} otherwise than the preset`);
    }
  }
  return out;
}

/**
 * A package both lockfiles hold (same path in `packages`) whose version in the preset's is
 * older than the app's, in words; null when there is none.
 */
function olderInPreset(appLock: Buffer, presetLock: Buffer): string | null {
  const mine = packagesOf(appLock);
  const theirs = packagesOf(presetLock);
  if (mine === null) return 'its package-lock.json is not one npm 7 or later writes';
  if (theirs === null) return "the preset's package-lock.json cannot be read";
  for (const [where, entry] of Object.entries(mine)) {
    const other = theirs[where];
    if (where === '' || other === undefined) continue;
    const a = asRecord(entry).version;
    const b = asRecord(other).version;
    if (a === b) continue;
    const order = typeof a === 'string' && typeof b === 'string' ? compareVersions(b, a) : null;
    const name = where.replace(/^.*node_modules\//, '');
    if (order === null) return `its lockfile has ${name} ${String(a)}, which cannot be compared`;
    if (order < 0) {
      return `its lockfile has ${name} ${String(a)}, newer than the preset's ${String(b)}`;
    }
  }
  return null;
}

function packagesOf(lockfile: Buffer): Record<string, unknown> | null {
  const parsed = parseObject(lockfile);
  const packages = parsed?.packages;
  return packages !== null && typeof packages === 'object' && !Array.isArray(packages)
    ? (packages as Record<string, unknown>)
    : null;
}

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Semver precedence of two exact versions: <0, 0, >0; null when either is not one. */
export function compareVersions(a: string, b: string): number | null {
  const x = VERSION.exec(a);
  const y = VERSION.exec(b);
  if (!x || !y) return null;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return Math.sign(d);
  }
  const [p, q] = [x[4], y[4]];
  if (p === q) return 0;
  // A pre-release comes before its release.
  if (p === undefined) return 1;
  if (q === undefined) return -1;
  const ps = p.split('.');
  const qs = q.split('.');
  for (let i = 0; i < Math.max(ps.length, qs.length); i++) {
    const [s, t] = [ps[i], qs[i]];
    if (s === undefined) return -1;
    if (t === undefined) return 1;
    if (s === t) continue;
    const [sn, tn] = [/^\d+$/.test(s), /^\d+$/.test(t)];
    if (sn && tn) return Math.sign(Number(s) - Number(t));
    if (sn !== tn) return sn ? -1 : 1;
    return s < t ? -1 : 1;
  }
  return 0;
}

/**
 * The app's package.json with the preset's install fields (the rest, its name and scripts, as
 * it was), indented as it was.
 */
function withInstallFields(raw: Buffer, app: Json, preset: Json): Buffer {
  const out: Json = { ...app };
  for (const field of INSTALL_FIELDS) {
    if (preset[field] === undefined) delete out[field];
    else out[field] = preset[field];
  }
  const indent = /^[{[]\r?\n([ \t]+)/.exec(raw.toString('utf8'))?.[1] ?? '  ';
  return Buffer.from(`${JSON.stringify(out, null, indent)}\n`);
}

function parseObject(bytes: Buffer): Json | null {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

function asRecord(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** Deep equality of JSON values, key order ignored. */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Json;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function list(names: string[]): string {
  return names.length <= 5
    ? names.join(', ')
    : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
