import { EXCLUDE, GIT, GIT_ENV, type TaskWorkspace } from '@paddock/agents';
import { GitRef, GitUrl, PaddockError } from '@paddock/shared';

/*
 * git against a remote, run inside the app's sandbox (as checkpoints are: hooks off, no global
 * or system config, replacement objects ignored), so it goes out through the egress proxy like
 * any other request from there. No credential ever reaches git: the proxy adds the app's token
 * (an injected config value) to requests to its host, so URLs and .git/config hold none.
 */

/** What the scripts need of a sandbox: the agent's buffered exec (an AgentClient has it). */
export type GitWorkspace = Pick<TaskWorkspace, 'exec'>;

/** Takes out of a message what an app's injections hold (see `maskInjections`). */
export type MaskSecrets = (text: string) => string;

/** The contract's own patterns, so a URL or ref from elsewhere (a repo's config) is held to them. */
const patternOf = (schema: object): RegExp => new RegExp((schema as { pattern: string }).pattern);
const URL_PATTERN = patternOf(GitUrl);
const REF_PATTERN = patternOf(GitRef);

/**
 * Only https, and a refused login fails at once instead of waiting for a username nobody will
 * type. The proxy variables and GIT_SSL_CAINFO (the proxy's CA) come from the sandbox's env.
 */
const REMOTE_ENV = { ...GIT_ENV, GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL: 'https' };
/** No credential helper, whatever a repository's config names. */
const NET = `${GIT} -c credential.helper= -c init.defaultBranch=main`;
const PADDOCK = '-c user.name=Paddock -c user.email=paddock@localhost';
/** A clone or fetch of a large history may take a while; a stuck one is ended. */
const TIMEOUT_MS = 15 * 60_000;

/** Exit codes the scripts give their own refusals (git's own are 1 and 128). */
const REFUSED = 3;
const CONFLICT = 6;

/** Commits whatever the workspace holds uncommitted, so the remote's work meets all of it. */
const SAVE_WORKSPACE = (why: string) => `[ -d .git ] || ${GIT} init -q -b main
${EXCLUDE}
${GIT} add -A
if ! ${GIT} diff --cached --quiet; then
  ${GIT} ${PADDOCK} commit -q --no-verify -m "Workspace before ${why}"
fi`;

/**
 * `$1` url, `$2` ref or empty. A fresh repository with `origin` = the URL, every branch and tag
 * fetched, then the ref (the remote's default branch when empty) checked out over whatever
 * the workspace already held. A branch is checked out as itself, tracking origin; a tag or
 * commit as a new branch `main`. Prints the commit and the branch. A failure leaves no .git.
 */
const CLONE = `set -e
[ ! -e .git ] || { echo "the workspace already has a git repository" >&2; exit ${REFUSED}; }
trap '[ "$ok" = 1 ] || rm -rf .git' EXIT
${NET} init -q
${NET} remote add origin "$1"
${NET} fetch -q --tags --no-recurse-submodules origin
ref=$2
if [ -z "$ref" ]; then
  ref=$(${NET} ls-remote --symref origin HEAD | awk '$1 == "ref:" && $3 == "HEAD" { sub("^refs/heads/", "", $2); print $2; exit }')
  [ -n "$ref" ] || { echo "the repository has no default branch (is it empty?)" >&2; exit ${REFUSED}; }
fi
if commit=$(${GIT} rev-parse -q --verify "refs/remotes/origin/$ref^{commit}"); then
  branch=$ref
elif commit=$(${GIT} rev-parse -q --verify "refs/tags/$ref^{commit}"); then
  branch=main
else
  case $ref in *[!0-9a-f]*) commit= ;; *) commit=$(${GIT} rev-parse -q --verify "$ref^{commit}" || true) ;; esac
  [ -n "$commit" ] || { echo "no branch, tag or commit $ref in the repository" >&2; exit ${REFUSED}; }
  branch=main
fi
${GIT} checkout -q -f -B "$branch" "$commit"
if [ "$branch" = "$ref" ]; then ${GIT} branch -q --set-upstream-to="origin/$branch" "$branch"; fi
${EXCLUDE}
ok=1
printf '%s\\n%s\\n' "$commit" "$branch"`;

/** `$1` url, `$2` branch, `$3` non-empty to force. Prints git's porcelain lines, then HEAD. */
const PUSH = `set -e
${SAVE_WORKSPACE('git push')}
head=$(${GIT} rev-parse -q --verify 'HEAD^{commit}') || { echo "the app has nothing to push yet" >&2; exit ${REFUSED}; }
${NET} push --porcelain --no-recurse-submodules \${3:+--force} "$1" "$head:refs/heads/$2"
printf '%s\\n' "$head"`;

/**
 * `$1` url, `$2` branch. The branch fetched, then a fast-forward or a merge commit by Paddock;
 * a conflict is aborted (the workspace as it was) and exits CONFLICT naming the files.
 * Prints HEAD before and after.
 */
const PULL = `set -e
${SAVE_WORKSPACE('git pull')}
prev=$(${GIT} rev-parse -q --verify 'HEAD^{commit}' || true)
${NET} fetch -q --no-tags --no-recurse-submodules "$1" "refs/heads/$2"
theirs=$(${GIT} rev-parse -q --verify 'FETCH_HEAD^{commit}')
if [ -z "$prev" ]; then
  ${GIT} read-tree -u --reset "$theirs"
  ${GIT} update-ref HEAD "$theirs"
elif ${GIT} merge-base --is-ancestor "$theirs" "$prev"; then
  :
elif ${GIT} merge-base --is-ancestor "$prev" "$theirs"; then
  ${GIT} merge -q --ff-only "$theirs" >&2
elif ! ${GIT} ${PADDOCK} merge -q --no-ff --no-verify --no-edit -m "Merge $2 from $1" "$theirs" >&2; then
  files=$(${GIT} diff --name-only --diff-filter=U | head -20 | tr '\\n' ' ')
  ${GIT} merge --abort 2>/dev/null || ${GIT} reset -q --hard "$prev"
  echo "the remote's changes conflict with the app's in: $files" >&2
  exit ${CONFLICT}
fi
printf '%s\\n%s\\n' "$prev" "$(${GIT} rev-parse HEAD)"`;

/** \`origin\`'s URL, or nothing (no repository, no such remote). */
const ORIGIN = `[ -d .git ] || exit 0
${GIT} config --get remote.origin.url || true`;

/**
 * Clones `url` into the sandbox's workspace (which may hold files already, such as the
 * filesystem's `lost+found`, or be empty): the workspace ends as a checkout of `ref` (a branch,
 * tag or commit; the remote's default branch when absent) with the whole history, `origin`
 * set to `url`. The host must be allowed by the app's egress rules; a private repository's
 * token is the app's injected config value (never in the URL or .git/config).
 *
 * Throws PaddockError `bad_request` (a URL or ref the contract refuses), `conflict` (the
 * workspace already has a repository) or `git_failed` (unreachable, refused, no such ref; the
 * message is git's last line, passed through `mask`).
 */
export async function cloneRepository(
  client: GitWorkspace,
  source: { url: string; ref?: string },
  mask: MaskSecrets = (t) => t,
): Promise<{ commit: string; branch: string }> {
  assertUrl(source.url);
  if (source.ref !== undefined && !REF_PATTERN.test(source.ref)) {
    throw new PaddockError('bad_request', `not a branch, tag or commit: ${source.ref}`);
  }
  const r = await run(client, CLONE, [source.url, source.ref ?? '']);
  if (r.exit_code === REFUSED && /already has a git repository/.test(r.stderr)) {
    throw new PaddockError('conflict', lastLine(r.stderr, mask));
  }
  if (r.exit_code !== 0) throw failed('git clone', r, mask);
  const [commit = '', branch = ''] = r.stdout.trim().split('\n');
  return { commit, branch };
}

/**
 * Pushes the workspace's HEAD (uncommitted work committed first) to `branch` of `url`.
 * `git_conflict` when the remote branch has commits HEAD lacks (unless `force`); `git_failed`
 * when git could not reach or was refused.
 */
export async function pushBranch(
  client: GitWorkspace,
  target: { url: string; branch: string; force?: boolean },
  mask: MaskSecrets = (t) => t,
): Promise<{ commit: string }> {
  assertUrl(target.url);
  const r = await run(client, PUSH, [target.url, target.branch, target.force ? '1' : '']);
  if (r.exit_code !== 0) {
    if (/^!\t.*\[rejected\] \((non-fast-forward|fetch first)\)/m.test(r.stdout)) {
      throw new PaddockError(
        'git_conflict',
        `the remote branch ${target.branch} has commits the app does not; pull first, or push with force`,
      );
    }
    throw failed('git push', r, mask);
  }
  const lines = r.stdout.trim().split('\n');
  return { commit: lines[lines.length - 1] ?? '' };
}

/**
 * Brings `branch` of `url` into the workspace (uncommitted work committed first): a
 * fast-forward, or a merge commit by "Paddock". A conflict changes no file: `git_conflict`.
 */
export async function pullBranch(
  client: GitWorkspace,
  source: { url: string; branch: string },
  mask: MaskSecrets = (t) => t,
): Promise<{ previous: string; checkpoint: string; changed: boolean }> {
  assertUrl(source.url);
  const r = await run(client, PULL, [source.url, source.branch]);
  if (r.exit_code === CONFLICT) throw new PaddockError('git_conflict', lastLine(r.stderr, mask));
  if (r.exit_code !== 0) throw failed('git pull', r, mask);
  const [previous = '', checkpoint = ''] = r.stdout.split('\n');
  return { previous, checkpoint, changed: previous !== checkpoint };
}

/** The workspace repository's `origin` URL, or null when it has none. */
export async function originUrl(client: GitWorkspace): Promise<string | null> {
  const r = await run(client, ORIGIN, []);
  const url = r.exit_code === 0 ? r.stdout.trim() : '';
  return url === '' ? null : url;
}

/** Whether a URL is one the API would take (https, no credentials). */
export function isGitUrl(url: string): boolean {
  return url.length <= 2048 && URL_PATTERN.test(url);
}

function assertUrl(url: string): void {
  if (!isGitUrl(url)) {
    throw new PaddockError('bad_request', 'a git URL is https, with no credentials in it');
  }
}

function run(client: GitWorkspace, script: string, args: string[]) {
  return client.exec({
    argv: ['sh', '-c', script, 'sh', ...args],
    env: REMOTE_ENV,
    timeout_ms: TIMEOUT_MS,
  });
}

/** git's last words: its last line that is not a hint, masked. */
function lastLine(stderr: string, mask: MaskSecrets): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'));
  return mask(lines[lines.length - 1] ?? '').slice(0, 500);
}

function failed(
  what: string,
  r: { exit_code: number | null; stderr: string; state: string },
  mask: MaskSecrets,
): PaddockError {
  if (r.state === 'timed_out') return new PaddockError('git_failed', `${what} took too long`);
  const words = lastLine(r.stderr, mask) || `exit ${String(r.exit_code)}`;
  // The proxy's refusal reaches git as a status answering its CONNECT; say where to look.
  const hint = /CONNECT tunnel failed|from proxy after CONNECT/.test(words)
    ? " (is the host allowed in the app's egress rules?)"
    : '';
  return new PaddockError('git_failed', `${what} failed: ${words}${hint}`);
}
