import { PaddockError } from '@paddock/shared';
import { EXCLUDE, GIT, git } from './checkpoints.js';
import type { TaskWorkspace } from './taskWorkspace.js';

/*
 * Reading a workspace's checkpoints, and carrying one (with the history up to it) into another
 * workspace: git inside the sandboxes, as `checkpoints.ts` runs it (replacement objects
 * ignored, so a task cannot make a commit read as another).
 */

/**
 * Whatever the repository's own config says about log output (signatures, the root commit,
 * encodings, colours, mailmaps, notes, renames, external diffs), the listing reads the same.
 */
const LOG = `${GIT} --no-pager -c log.showSignature=false -c log.showRoot=true -c i18n.logOutputEncoding=UTF-8 log --first-parent --no-mailmap --no-color --no-notes --no-ext-diff --no-textconv --no-renames --shortstat`;

/**
 * `$1` commits from HEAD (or after `$2`), first parents only: the line of checkpoints. Prints
 * HEAD, then per commit its hash, commit time, author email and subject (one line each; git
 * joins a subject's lines), then its --shortstat (a line that starts with a space), if any.
 * No repository, or no commit yet, prints nothing.
 */
const LIST = `[ -e .git ] || exit 0
head=$(${GIT} rev-parse -q --verify 'HEAD^{commit}') || exit 0
from=$head
skip=0
if [ -n "$2" ]; then
  from=$(${GIT} rev-parse -q --verify "$2^{commit}") || { echo "no commit $2 in this workspace" >&2; exit 4; }
  skip=1
fi
printf '%s\\n' "$head"
exec ${LOG} --format='%H%n%ct%n%ae%n%s' --skip="$skip" -n "$1" "$from" --`;

/** The commit `$1` with everything it reaches, as one pack file at `$2`; prints its full hash. */
const PACK = `set -e
[ -d .git ] || { echo "no such checkpoint: $1" >&2; exit 3; }
${GIT} cat-file -e "$1^{commit}" 2>/dev/null || { echo "no such checkpoint: $1" >&2; exit 3; }
sha=$(${GIT} rev-parse -q --verify "$1^{commit}")
printf '%s\\n' "$sha" | ${GIT} pack-objects --revs --stdout -q > "$2"
printf '%s\\n' "$sha"`;

/**
 * A new repository (none of the source's config, hooks or refs) holding the pack at `$2`, its
 * branch and files at commit `$1`; the pack file goes. Only objects cross: git checks each
 * against its hash, so the files are exactly that commit's.
 */
const UNPACK = `set -e
trap 'rm -f "$2"' EXIT
[ ! -e .git ] || { echo "the workspace already has a git repository" >&2; exit 1; }
${GIT} init -q
${GIT} index-pack --stdin < "$2" >/dev/null
${GIT} cat-file -e "$1^{commit}"
${GIT} update-ref HEAD "$1"
${GIT} read-tree -u --reset "$1"
${EXCLUDE}
${GIT} rev-parse HEAD`;

/** What a commit is, as Paddock's own messages and authors say (a task could imitate them). */
export type CheckpointClaim =
  | { kind: 'task'; task_id: string }
  | { kind: 'baseline' }
  | { kind: 'restore'; restored: string }
  | { kind: 'other' };

export interface CheckpointCommit {
  sha: string;
  /** The subject, at most TITLE_MAX characters. */
  title: string;
  created_at: string;
  changes: { files: number; added: number; removed: number };
  claim: CheckpointClaim;
}

const TITLE_MAX = 500;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const TASK_ID = 'task[0-9a-z]{26}';
const PADDOCK_EMAIL = 'paddock@localhost';

/** Reads the messages `checkpoints.ts` writes: "Paddock task <id>", "Restore checkpoint <sha>"… */
function claimOf(title: string, email: string): CheckpointClaim {
  const task = new RegExp(`^Paddock task (${TASK_ID})$`).exec(title);
  if (task && email === `${task[1]}@tasks.paddock.local`)
    return { kind: 'task', task_id: task[1]! };
  if (email !== PADDOCK_EMAIL) return { kind: 'other' };
  if (new RegExp(`^Workspace before (task ${TASK_ID}|restoring [0-9a-f]{7,40})$`).test(title)) {
    return { kind: 'baseline' };
  }
  const restore = /^Restore checkpoint ([0-9a-f]{7,40})$/.exec(title);
  if (restore) return { kind: 'restore', restored: restore[1]! };
  return { kind: 'other' };
}

function changesOf(stat: string): CheckpointCommit['changes'] {
  const n = (re: RegExp) => Number(re.exec(stat)?.[1] ?? 0);
  return {
    files: n(/(\d+) files? changed/),
    added: n(/(\d+) insertions?\(\+\)/),
    removed: n(/(\d+) deletions?\(-\)/),
  };
}

function timeOf(seconds: string): string {
  const at = new Date(Number(seconds) * 1000);
  return Number.isNaN(at.getTime()) ? new Date(0).toISOString() : at.toISOString();
}

/**
 * The records of LIST's output. `cut`: the output was truncated, so parsing stops at a record
 * that is not whole, and a last record that ran to the end (its stat perhaps cut off) is left
 * out too.
 */
export function parseCheckpointLog(lines: string[], cut: boolean): CheckpointCommit[] {
  const out: CheckpointCommit[] = [];
  let i = 0;
  while (i < lines.length) {
    const sha = lines[i]!;
    if (sha === '') {
      i++;
      continue;
    }
    if (!SHA.test(sha) || i + 3 >= lines.length) {
      if (cut) return out;
      throw new PaddockError('internal', 'git log answered in an unexpected form');
    }
    const [seconds = '', email = '', title = ''] = lines.slice(i + 1, i + 4);
    i += 4;
    let stat = '';
    while (i < lines.length && (lines[i] === '' || lines[i]!.startsWith(' '))) {
      if (lines[i] !== '') stat = lines[i]!;
      i++;
    }
    out.push({
      sha,
      title: title.slice(0, TITLE_MAX),
      created_at: timeOf(seconds),
      changes: changesOf(stat),
      claim: claimOf(title, email),
    });
  }
  if (cut) out.pop();
  return out;
}

/**
 * Up to `limit` checkpoints from HEAD along first parents, or from the one after `after` (a
 * commit of an earlier page), newest first; `more` when there are more. A workspace without a
 * repository or a commit has none.
 */
export async function listCheckpoints(
  workspace: TaskWorkspace,
  q: { limit: number; after?: string },
  signal?: AbortSignal,
): Promise<{ head: string | null; commits: CheckpointCommit[]; more: boolean }> {
  const { stdout, truncated } = await git(
    workspace,
    LIST,
    [String(q.limit + 1), q.after ?? ''],
    signal,
  );
  const [head = '', ...lines] = stdout.split('\n');
  if (head === '') return { head: null, commits: [], more: false };
  const commits = parseCheckpointLog(lines, truncated);
  // Cut short (very long subjects): what came whole is a page, and the rest is the next one.
  if (truncated && commits.length === 0) {
    throw new PaddockError('conflict', 'a commit here is too large to list');
  }
  const more = truncated || commits.length > q.limit;
  return { head, commits: commits.slice(0, q.limit), more };
}

/**
 * Writes the commit `sha` and all it reaches as a pack file at `file` (workspace-relative, under
 * `.git/`); returns its full hash. `not_found` when the workspace has no such commit.
 */
export async function packCheckpoint(
  workspace: TaskWorkspace,
  sha: string,
  file: string,
  signal?: AbortSignal,
): Promise<string> {
  return (await git(workspace, PACK, [sha, file], signal)).stdout.trim();
}

/**
 * Makes a new workspace's repository from a pack (`file`, removed after) and checks out the
 * commit `sha` on its branch: the workspace as of that checkpoint, with its history.
 */
export async function unpackCheckpoint(
  workspace: TaskWorkspace,
  sha: string,
  file: string,
  signal?: AbortSignal,
): Promise<string> {
  return (await git(workspace, UNPACK, [sha, file], signal)).stdout.trim();
}
