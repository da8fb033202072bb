import type { PackageJson } from './packageJson.js';
import type { ProjectFiles } from './projectFiles.js';
import type { PackageManager } from './types.js';

export type NodePackageManager = Extract<PackageManager, 'npm' | 'pnpm' | 'yarn'>;

/** Lockfiles in the order they decide: a project that has several was most likely moved to the first. */
const LOCKFILES: readonly { file: string; manager: NodePackageManager }[] = [
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'package-lock.json', manager: 'npm' },
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
];

/** Lockfiles of managers Paddock does not run: named in a note, then npm reads package.json. */
const UNSUPPORTED_LOCKFILES: readonly { file: string; manager: string }[] = [
  { file: 'bun.lock', manager: 'bun' },
  { file: 'bun.lockb', manager: 'bun' },
  { file: 'deno.lock', manager: 'deno' },
];

/** The registries each package manager installs from: the proposed egress baseline. */
export const REGISTRY_HOSTS: Readonly<Record<PackageManager, readonly string[]>> = {
  npm: ['registry.npmjs.org'],
  pnpm: ['registry.npmjs.org'],
  yarn: ['registry.npmjs.org', 'registry.yarnpkg.com'],
  pip: ['pypi.org', 'files.pythonhosted.org'],
};

/** `npm run build` and its pnpm and yarn spellings. */
export function runScript(manager: NodePackageManager, script: string): string {
  return `${manager} run ${script}`;
}

/** Which manager a Node project uses: its lockfile, else package.json's `packageManager`, else npm. */
export async function nodePackageManager(
  files: ProjectFiles,
  pkg: PackageJson | null,
): Promise<{ manager: NodePackageManager; notes: string[] }> {
  const notes: string[] = [];
  const found: { file: string; manager: NodePackageManager }[] = [];
  for (const lock of LOCKFILES) if (await files.has(lock.file)) found.push(lock);
  for (const lock of UNSUPPORTED_LOCKFILES) {
    if (await files.has(lock.file)) {
      notes.push(`${lock.file}: ${lock.manager}, which Paddock does not run; npm installs instead`);
    }
  }
  const chosen = found[0];
  if (chosen) {
    notes.push(`${chosen.file}: ${chosen.manager}`);
    const others = found.slice(1).map((l) => l.file);
    if (others.length > 0) notes.push(`also found ${others.join(', ')}: ignored`);
    return { manager: chosen.manager, notes };
  }
  const declared = /^(npm|pnpm|yarn)@/.exec(pkg?.packageManager ?? '')?.[1] as
    NodePackageManager | undefined;
  if (declared) {
    notes.push(`no lockfile; package.json's packageManager names ${declared}`);
    return { manager: declared, notes };
  }
  notes.push('no lockfile: npm');
  return { manager: 'npm', notes };
}
