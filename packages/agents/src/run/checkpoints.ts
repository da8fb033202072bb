import { PaddockError, REGENERABLE_DIRS, type ChangedFile } from '@paddock/shared';
import type { TaskWorkspace } from './taskWorkspace.js';

/**
 * Checkpoints are commits in the workspace's own git history, made by git inside the sandbox
 * (as the sandbox's user, on its files). Hooks never run: `core.hooksPath=/dev/null` and
 * `--no-verify`, so a task cannot make its own checkpoint lie.
 */
export const GIT =
  'git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgsign=false -c core.quotePath=false';

/**
 * No global or system git config: HOME is the workspace, so ~/.gitconfig is the task's to
 * write (an fsmonitor that hides changes, an external diff that forges them). What a repo's own
 * .git/config sets (filters, for instance) still applies: see docs/security.md. Replacement
 * objects (`git replace`) are ignored: a task could otherwise make HEAD read as a commit that
 * already holds its changes, and leave them out of its checkpoint.
 */
export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_NO_REPLACE_OBJECTS: '1',
};

/** What git should never track in a workspace: regenerable trees and the read-only cache. */
const EXCLUDES = REGENERABLE_DIRS.map((name) => `${name}/`);

/** Adds EXCLUDES to the repository's own exclude file (once each). */
export const EXCLUDE = `mkdir -p .git/info
for e in ${EXCLUDES.map((e) => `'${e}'`).join(' ')}; do
  grep -qxF "$e" .git/info/exclude 2>/dev/null || printf '%s\\n' "$e" >> .git/info/exclude
done`;

/**
 * A git killed mid-write (its exec is ended when the daemon dies) leaves `.git/index.lock`, and
 * every later checkpoint would fail on it. It is stale when no git runs in the sandbox (its own
 * pid namespace): a git a person runs in a terminal keeps its lock.
 */
const CLEAR_STALE_LOCK = `if [ -e .git/index.lock ] && ! grep -qsx git /proc/[0-9]*/comm; then rm -f .git/index.lock; fi`;

/** Commits whatever is uncommitted (a repository made first if there is none), as "Paddock", with message `$1`. */
const BASELINE = `set -e
${CLEAR_STALE_LOCK}
[ -d .git ] || ${GIT} init -q
${EXCLUDE}
${GIT} add -A
if ! ${GIT} rev-parse -q --verify HEAD >/dev/null || ! ${GIT} diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify --allow-empty -m "$1"
fi
${GIT} rev-parse HEAD`;

const COMMIT = `set -e
${CLEAR_STALE_LOCK}
${GIT} add -A
if ! ${GIT} diff --cached --quiet; then
  ${GIT} -c "user.name=Paddock task $1" -c "user.email=$1@tasks.paddock.local" commit -q --no-verify -m "Paddock task $1"
fi
${GIT} rev-parse HEAD`;

/** Runs a script of git commands in the workspace: `$1`, `$2`… are `args`. */
export async function git(
  workspace: Pick<TaskWorkspace, 'exec'>,
  script: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ stdout: string; truncated: boolean }> {
  // A step asked for after a cancel never starts: an abort listener added now would never fire,
  // and a git already past `add` when it is killed leaves the work half staged.
  signal?.throwIfAborted();
  const r = await workspace.exec(
    { argv: ['sh', '-c', script, 'sh', ...args], env: GIT_ENV, timeout_ms: 120_000 },
    signal,
  );
  // Exit 3 is a script's own "no such checkpoint" (RESTORE); 4, "that argument names no commit".
  if (r.exit_code === 3) throw new PaddockError('not_found', r.stderr.trim().slice(-500));
  if (r.exit_code === 4) throw new PaddockError('bad_request', r.stderr.trim().slice(-500));
  if (r.exit_code !== 0) {
    throw new PaddockError(
      'conflict',
      `git failed in the workspace: ${r.stderr.trim().slice(-500)}`,
    );
  }
  return { stdout: r.stdout, truncated: r.stdout_truncated };
}

/** Commits whatever is uncommitted before the task runs, so the task's commit holds only its own work. */
export async function baseline(
  workspace: TaskWorkspace,
  taskId: string,
  signal?: AbortSignal,
): Promise<string> {
  return (
    await git(workspace, BASELINE, [`Workspace before task ${taskId}`], signal)
  ).stdout.trim();
}

/**
 * Commits a project as it was brought in (and the sandbox.yaml proposed for it), so its first
 * checkpoint is the import; returns HEAD.
 */
export async function commitImport(
  workspace: Pick<TaskWorkspace, 'exec'>,
  message: string,
): Promise<string> {
  return (await git(workspace, BASELINE, [message])).stdout.trim();
}

/** Commits the task's changes (author "Paddock task <id>"); returns HEAD. */
export async function commitTask(
  workspace: TaskWorkspace,
  taskId: string,
  signal?: AbortSignal,
): Promise<string> {
  return (await git(workspace, COMMIT, [taskId], signal)).stdout.trim();
}

export async function changedFiles(
  workspace: TaskWorkspace,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<ChangedFile[]> {
  if (from === to) return [];
  // -z: paths verbatim (no quoting); --no-renames: one path per entry.
  const { stdout } = await git(
    workspace,
    `${GIT} diff --no-ext-diff --no-renames --numstat -z "$1" "$2"`,
    [from, to],
    signal,
  );
  return stdout
    .split('\0')
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [added, removed, ...rest] = entry.split('\t');
      return {
        path: rest.join('\t'),
        added: added === '-' ? null : Number(added),
        removed: removed === '-' ? null : Number(removed),
      };
    });
}

export async function unifiedDiff(
  workspace: TaskWorkspace,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<{ diff: string; truncated: boolean }> {
  if (from === to) return { diff: '', truncated: false };
  const { stdout, truncated } = await git(
    workspace,
    `${GIT} diff --no-ext-diff --no-textconv --no-color --no-renames "$1" "$2"`,
    [from, to],
    signal,
  );
  return { diff: stdout, truncated };
}

const RESTORE = `set -e
${CLEAR_STALE_LOCK}
${GIT} cat-file -e "$2^{commit}" 2>/dev/null || { echo "no such checkpoint: $2" >&2; exit 3; }
${GIT} add -A
if ! ${GIT} diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify -m "Workspace before restoring $2"
fi
${GIT} read-tree -u --reset "$2"
if ! ${GIT} diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify -m "Restore checkpoint $2"
fi
${GIT} rev-parse HEAD`;

/**
 * Returns the workspace's tracked files to a checkpoint as a new commit on top (history is kept:
 * what was there before is committed first, so the restore can itself be undone).
 */
export async function restoreCheckpoint(workspace: TaskWorkspace, sha: string): Promise<string> {
  return (await git(workspace, RESTORE, ['restore', sha])).stdout.trim();
}

/** `$2…` committed alone (other changes stay as they are) as "Paddock", with message `$1`. */
const COMMIT_FILES = `set -e
[ -d .git ] || exit 0
${CLEAR_STALE_LOCK}
msg=$1
shift
${GIT} add -- "$@"
if ! ${GIT} diff --cached --quiet -- "$@"; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify --only -m "$msg" -- "$@"
fi
${GIT} rev-parse HEAD`;

/**
 * A checkpoint of a change Paddock made to some files (a dependency update), holding only
 * those files; returns HEAD, or null when the workspace has no repository.
 */
export async function commitFiles(
  workspace: Pick<TaskWorkspace, 'exec'>,
  message: string,
  files: string[],
): Promise<string | null> {
  const head = (await git(workspace, COMMIT_FILES, [message, ...files])).stdout.trim();
  return head === '' ? null : head;
}
