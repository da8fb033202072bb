import type { AgentClient } from '@paddock/guest-agent';
import { PaddockError, type ChangedFile } from '@paddock/shared';

/**
 * Checkpoints are commits in the workspace's own git history, made by git inside the sandbox
 * (as the sandbox's user, on its files). Hooks never run: `core.hooksPath=/dev/null` and
 * `--no-verify`, so a task cannot make its own checkpoint lie.
 */
const GIT = 'git -c core.hooksPath=/dev/null -c commit.gpgsign=false';

/** What git should never track in a workspace: regenerable trees and the read-only cache. */
const EXCLUDES = [
  'node_modules/',
  '.next/',
  '.next-build/',
  '.vite/',
  '.tsbuild/',
  '__pycache__/',
  '.venv/',
  '.cache/',
];

const BASELINE = `set -e
if [ ! -d .git ]; then
  git init -q
  printf '%s\\n' ${EXCLUDES.map((e) => `'${e}'`).join(' ')} >> .git/info/exclude
fi
git add -A
if ! git rev-parse -q --verify HEAD >/dev/null || ! git diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify --allow-empty -m "Workspace before task $1"
fi
git rev-parse HEAD`;

const COMMIT = `set -e
git add -A
if ! git diff --cached --quiet; then
  ${GIT} -c "user.name=Paddock task $1" -c "user.email=$1@tasks.paddock.local" commit -q --no-verify -m "Paddock task $1"
fi
git rev-parse HEAD`;

async function git(
  client: AgentClient,
  script: string,
  args: string[],
): Promise<{ stdout: string; truncated: boolean }> {
  const r = await client.exec({ argv: ['sh', '-c', script, 'sh', ...args], timeout_ms: 120_000 });
  if (r.exit_code !== 0) {
    throw new PaddockError(
      'conflict',
      `git failed in the workspace: ${r.stderr.trim().slice(-500)}`,
    );
  }
  return { stdout: r.stdout, truncated: r.stdout_truncated };
}

/** Commits whatever is uncommitted before the task runs, so the task's commit holds only its own work. */
export async function baseline(client: AgentClient, taskId: string): Promise<string> {
  return (await git(client, BASELINE, [taskId])).stdout.trim();
}

/** Commits the task's changes (author "Paddock task <id>"); returns HEAD. */
export async function commitTask(client: AgentClient, taskId: string): Promise<string> {
  return (await git(client, COMMIT, [taskId])).stdout.trim();
}

export async function changedFiles(
  client: AgentClient,
  from: string,
  to: string,
): Promise<ChangedFile[]> {
  if (from === to) return [];
  const { stdout } = await git(client, 'git diff --numstat "$1" "$2"', [from, to]);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [added, removed, ...rest] = line.split('\t');
      return {
        path: rest.join('\t'),
        added: added === '-' ? null : Number(added),
        removed: removed === '-' ? null : Number(removed),
      };
    });
}

export async function unifiedDiff(
  client: AgentClient,
  from: string,
  to: string,
): Promise<{ diff: string; truncated: boolean }> {
  if (from === to) return { diff: '', truncated: false };
  const { stdout, truncated } = await git(client, 'git diff "$1" "$2"', [from, to]);
  return { diff: stdout, truncated };
}

const RESTORE = `set -e
git cat-file -e "$2^{commit}" 2>/dev/null || { echo "no such checkpoint: $2" >&2; exit 3; }
git add -A
if ! git diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify -m "Workspace before restoring $2"
fi
git read-tree -u --reset "$2"
if ! git diff --cached --quiet; then
  ${GIT} -c user.name=Paddock -c user.email=paddock@localhost commit -q --no-verify -m "Restore checkpoint $2"
fi
git rev-parse HEAD`;

/**
 * Returns the workspace's tracked files to a checkpoint as a new commit on top (history is kept:
 * what was there before is committed first, so the restore can itself be undone).
 */
export async function restoreCheckpoint(client: AgentClient, sha: string): Promise<string> {
  const r = await client.exec({
    argv: ['sh', '-c', RESTORE, 'sh', 'restore', sha],
    timeout_ms: 120_000,
  });
  if (r.exit_code === 3)
    throw new PaddockError('not_found', `no checkpoint ${sha} in this workspace`);
  if (r.exit_code !== 0) {
    throw new PaddockError(
      'conflict',
      `git failed in the workspace: ${r.stderr.trim().slice(-500)}`,
    );
  }
  return r.stdout.trim();
}
