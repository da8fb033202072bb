/**
 * Directories that an install or a build makes again: left out of snapshots, of app exports and
 * of git (task checkpoints). One list, so what a snapshot keeps, what an export carries and what
 * history tracks never disagree. Names match at any depth.
 */
export const REGENERABLE_DIRS: readonly string[] = [
  'node_modules',
  '.next',
  '.next-build',
  '.vite',
  '.tsbuild',
  '__pycache__',
  '.venv',
  '.cache',
];
