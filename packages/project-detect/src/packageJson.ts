import type { ProjectFiles } from './projectFiles.js';
import { userText } from './userText.js';

/** What detection uses of package.json; every field is optional in a real one. */
export interface PackageJson {
  /** dependencies and devDependencies: name → declared range. */
  dependencies: ReadonlyMap<string, string>;
  scripts: ReadonlyMap<string, string>;
  main: string | null;
  /** The `packageManager` field (corepack's), e.g. `pnpm@9.1.0`. */
  packageManager: string | null;
}

export type PackageJsonRead =
  { state: 'absent' } | { state: 'malformed'; note: string } | { state: 'read'; json: PackageJson };

/** Reads package.json, tolerating any shape: a field of the wrong type counts as missing. */
export async function readPackageJson(files: ProjectFiles): Promise<PackageJsonRead> {
  const text = await files.text('package.json');
  if (text === null) return { state: 'absent' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = userText(err instanceof Error ? err.message : String(err), 100);
    return { state: 'malformed', note: `package.json is not valid JSON (${why})` };
  }
  if (!isObject(raw)) {
    return { state: 'malformed', note: 'package.json is not a JSON object' };
  }
  return {
    state: 'read',
    json: {
      dependencies: new Map([
        ...stringEntries(raw.dependencies),
        ...stringEntries(raw.devDependencies),
      ]),
      scripts: new Map(stringEntries(raw.scripts)),
      main: typeof raw.main === 'string' ? raw.main : null,
      packageManager: typeof raw.packageManager === 'string' ? raw.packageManager : null,
    },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringEntries(v: unknown): [string, string][] {
  if (!isObject(v)) return [];
  return Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string');
}
