import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MIGRATIONS = 'packages/daemon/src/store/migrations.ts';

export interface OlderBuild {
  commit: string;
  /** Its `paddock` CLI, for `startDaemon({ cli })`. */
  cli: string;
  dir: string;
}

const git = (...args: string[]): string =>
  execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();

/**
 * The version before the newest migration, built from this clone's own history: what an
 * upgrade in place starts from. It is the parent of the last commit that changed the migrations,
 * so the upgrade always crosses at least one. Built into the temp dir (the caller removes it),
 * with the current install's node_modules linked in; only what the daemon runs is built (no
 * console, no API reference: the daemon serves without them).
 */
export function olderBuild(): OlderBuild {
  const changed = git('log', '-n', '1', '--format=%H', '--', MIGRATIONS);
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', `${changed}~1^{commit}`);
  } catch {
    throw new Error(
      `the upgrade test builds the version before ${changed.slice(0, 12)} from git history, ` +
        'and this clone does not have it (a shallow clone?): clone with full history',
    );
  }
  const dir = path.join(os.tmpdir(), `pdk-older-${commit.slice(0, 16)}`);
  const cli = path.join(dir, 'packages/cli/bin/paddock.js');
  const done = path.join(dir, '.built');
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('bash', ['-c', `git -C "${ROOT}" archive ${commit} | tar -x -C "${dir}"`]);
    linkModules(dir);
    const run = (cwd: string, cmd: string, args: string[]) =>
      execFileSync(cmd, args, { cwd, stdio: 'pipe', timeout: 10 * 60_000 });
    run(dir, process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
    for (const pkg of ['guest-agent', 'app-sdk']) {
      run(path.join(dir, 'packages', pkg), process.execPath, ['bundle.mjs']);
    }
    fs.writeFileSync(done, `${commit}\n`);
  }
  return { commit, cli, dir };
}

/**
 * The older tree's node_modules: every installed package linked to the current install, except
 * the workspace's own packages, which point at the older tree's sources.
 */
function linkModules(dir: string): void {
  const from = path.join(ROOT, 'node_modules');
  const to = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(to, '@paddock'), { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (name === '@paddock') continue;
    fs.symlinkSync(path.join(from, name), path.join(to, name));
  }
  for (const pkg of fs.readdirSync(path.join(dir, 'packages'))) {
    const manifest = path.join(dir, 'packages', pkg, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string };
    if (!name.startsWith('@paddock/')) continue;
    fs.symlinkSync(path.join('..', '..', 'packages', pkg), path.join(to, name));
    // A package's own nested installs (versions the root could not hoist).
    const nested = path.join(ROOT, 'packages', pkg, 'node_modules');
    const target = path.join(dir, 'packages', pkg, 'node_modules');
    if (fs.existsSync(nested) && !fs.existsSync(target)) fs.symlinkSync(nested, target);
  }
}
