import { createHash } from 'node:crypto';
import type { ProjectFiles } from './projectFiles.js';
import type { DetectOptions, PackageManager } from './types.js';

/**
 * The preset whose package-lock.json the project's equals byte for byte: such a project runs on
 * that preset's shared dependency cache instead of installing its own. npm lockfiles only (the
 * presets' caches are npm installs).
 */
export async function matchPreset(
  files: ProjectFiles,
  manager: PackageManager | null,
  options: DetectOptions,
): Promise<{ preset: string | null; notes: string[] }> {
  if (manager !== 'npm' || options.presetLockfiles.size === 0) return { preset: null, notes: [] };
  const lockfile = await files.text('package-lock.json');
  if (lockfile === null) return { preset: null, notes: [] };
  const digest = createHash('sha256').update(lockfile, 'utf8').digest('hex');
  const preset = options.presetLockfiles.get(digest) ?? null;
  return {
    preset,
    notes: [
      preset === null
        ? "package-lock.json matches no preset's: dependencies install into the app's own layer"
        : `package-lock.json equals the ${preset} preset's: its shared dependency cache is used`,
    ],
  };
}
