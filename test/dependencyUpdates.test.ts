/**
 * `POST /v1/presets/update` (`paddock deps update`): after an upgrade of Paddock, the caches are
 * rebuilt from the pinned lockfiles and each app whose lockfile allows it is moved to its
 * preset's current one. The upgrade is simulated without touching the templates: apps are given
 * an "older" lockfile (a transitive package one version back) or an earlier version of the
 * preset (an entry of the cache holding it), while the daemon's cache is a private copy (hard
 * links) of the host's, so nothing is downloaded and pruning touches no other daemon's entries.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DependencyCache, PRESETS, TOOLS, getPreset } from '@paddock/presets';
import { CLI, shellOk, suiteDaemon } from './harness.js';
import { healthyApp } from './previewClient.js';

interface App {
  id: string;
  sandbox: { id: string; processes: { kind: string; status: string; health: string | null }[] };
}
interface Report {
  dry_run: boolean;
  caches: { name: string; kind: string; outcome: string; reason: string | null }[];
  apps: {
    app_id: string;
    outcome: string;
    reason: string | null;
    restart_needed: boolean;
    checkpoint: string | null;
  }[];
  pruned: { entry: string; outcome: string; reason: string | null }[];
}
type Json = Record<string, unknown> & {
  packages: Record<string, Record<string, unknown>>;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

const SHARED_CACHE = '/var/cache/paddock';
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cache-'));
fs.chmodSync(cacheDir, 0o755);
const preset = getPreset('node-express')!;
const presetLock = fs.readFileSync(path.join(preset.templateDir, 'package-lock.json'), 'utf8');
const presetPkg = fs.readFileSync(path.join(preset.templateDir, 'package.json'), 'utf8');
/** An entry of an earlier node-express (express one version back): only its inputs matter. */
const EARLIER = 'node-express-0123456789abcdef';

/** The host's current entries, hard-linked: the same bytes, none downloaded again. */
function copyCurrentEntries(): void {
  const shared = new DependencyCache({ root: SHARED_CACHE });
  for (const item of [...PRESETS.filter((p) => p.dependencies === 'npm'), ...TOOLS]) {
    const entry = path.dirname(shared.dirFor(item));
    if (fs.existsSync(entry)) execFileSync('cp', ['-al', entry, cacheDir]);
  }
}

/** The preset's files with express one version back (5.3.0 → 5.2.1), as its earlier version. */
function earlierPreset(): { pkg: string; lock: string } {
  const pkg = JSON.parse(presetPkg) as Json;
  const current = pkg.dependencies.express!;
  assert.match(current, /^\d+\.\d+\.\d+$/, 'the template pins express exactly');
  const older = '5.2.1';
  pkg.dependencies.express = older;
  const lock = JSON.parse(presetLock) as Json;
  (lock.packages[''] as { dependencies: Record<string, string> }).dependencies.express = older;
  lock.packages['node_modules/express']!.version = older;
  return { pkg: JSON.stringify(pkg, null, 2) + '\n', lock: JSON.stringify(lock, null, 2) + '\n' };
}

/** The preset's lockfile with one transitive package one version back (a security fix's shape). */
function olderTransitive(): string {
  const lock = JSON.parse(presetLock) as Json;
  const ms = lock.packages['node_modules/ms']!;
  assert.equal(ms.version, '2.1.3', 'the template locks ms 2.1.3');
  ms.version = '2.1.2';
  return JSON.stringify(lock, null, 2) + '\n';
}

describe('dependency updates: caches rebuilt, apps moved to their preset lockfile', () => {
  before(() => {
    copyCurrentEntries();
    const earlier = earlierPreset();
    fs.mkdirSync(path.join(cacheDir, EARLIER, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, EARLIER, 'package.json'), earlier.pkg);
    fs.writeFileSync(path.join(cacheDir, EARLIER, 'package-lock.json'), earlier.lock);
  });
  const d = suiteDaemon({ env: { PADDOCK_CACHE_DIR: cacheDir } });
  after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  const healthy = (id: string): Promise<App> => healthyApp<App>(d, id);
  const createApp = async (name: string): Promise<App> => {
    const created = await d.api<App>('POST', '/v1/apps', { name, preset: 'node-express' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return healthy(created.body.id);
  };
  const put = async (sandbox: string, file: string, text: string) => {
    const res = await fetch(
      `${d.url}/v1/sandboxes/${sandbox}/files?path=${encodeURIComponent(file)}`,
      { method: 'PUT', headers: { authorization: `Bearer ${d.token}` }, body: text },
    );
    assert.equal(res.status, 200, await res.text());
  };
  const read = (sandbox: string, file: string) => shellOk(d, sandbox, `cat ${file}`);
  const update = async (body: object): Promise<Report> => {
    const res = await d.api<Report>('POST', '/v1/presets/update', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const outcomeOf = (r: Report, app: App) => r.apps.find((a) => a.app_id === app.id);
  const eventTypes = async (app: App): Promise<string[]> =>
    (
      await d.api<{ items: { type: string }[] }>('GET', `/v1/apps/${app.id}/events?limit=200`)
    ).body.items.map((e) => e.type);

  it('moves the apps their lockfiles allow, leaves the others, and prunes what nothing uses', async () => {
    const current = await createApp('current');
    const older = await createApp('older');
    const extra = await createApp('extra');
    const earlier = await createApp('earlier');

    await put(older.sandbox.id, 'package-lock.json', olderTransitive());
    // Stopped: its files are moved through its image, offline.
    assert.equal((await d.api('POST', `/v1/sandboxes/${older.sandbox.id}/stop`, {})).status, 200);

    const extraPkg = JSON.parse(presetPkg) as Json;
    extraPkg.dependencies['left-pad'] = '1.3.0';
    const extraPkgText = JSON.stringify(extraPkg, null, 2) + '\n';
    await put(extra.sandbox.id, 'package.json', extraPkgText);

    // Running, with a repository: the move is a checkpoint of its own.
    const earlierFiles = earlierPreset();
    const earlierPkg = JSON.parse(earlierFiles.pkg) as Json;
    // A script of its own is no dependency: it is kept.
    earlierPkg.scripts.hello = 'echo hello';
    await put(earlier.sandbox.id, 'package.json', JSON.stringify(earlierPkg, null, 2) + '\n');
    await put(earlier.sandbox.id, 'package-lock.json', earlierFiles.lock);
    await shellOk(
      d,
      earlier.sandbox.id,
      "git init -q && printf 'node_modules/\\n' >> .git/info/exclude && git add -A && git -c user.name=t -c user.email=t@t commit -qm start",
    );

    // Only an admin may, and the body is checked.
    const user = (
      await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'bob', owner: 'bob' })
    ).body.token;
    const refused = await d.api<{ error: { code: string } }>(
      'POST',
      '/v1/presets/update',
      {},
      user,
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
    for (const [body, code] of [
      [{ dry_run: 'yes' }, 'bad_request'],
      [{ force: true }, 'unknown_field'],
    ] as const) {
      const bad = await d.api<{ error: { code: string } }>('POST', '/v1/presets/update', body);
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.equal(bad.body.error.code, code);
    }

    // A dry run reports and writes nothing.
    const dry = await update({ dry_run: true, prune: true });
    assert.equal(dry.dry_run, true);
    for (const c of dry.caches) assert.equal(c.outcome, 'present', JSON.stringify(c));
    assert.deepEqual(
      [current, older, extra, earlier].map((a) => outcomeOf(dry, a)?.outcome),
      ['up_to_date', 'would_move', 'not_moved', 'would_move'],
    );
    assert.match(outcomeOf(dry, extra)!.reason!, /adds left-pad to dependencies/);
    assert.deepEqual(dry.pruned, [{ entry: EARLIER, outcome: 'would_remove', reason: null }]);
    assert.equal(await read(earlier.sandbox.id, 'package-lock.json'), earlierFiles.lock);
    assert.ok(fs.existsSync(path.join(cacheDir, EARLIER)));
    assert.ok(!(await eventTypes(earlier)).includes('dependencies.moved'));

    // Through the CLI, as an admin runs it.
    const out = execFileSync(process.execPath, [CLI, 'deps', 'update', '--json'], {
      env: { ...process.env, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token },
      encoding: 'utf8',
    });
    const done = JSON.parse(out) as Report;
    assert.equal(done.dry_run, false);
    for (const c of done.caches) assert.equal(c.outcome, 'present', JSON.stringify(c));
    assert.equal(outcomeOf(done, current)?.outcome, 'up_to_date');
    assert.equal(outcomeOf(done, extra)?.outcome, 'not_moved');
    const olderMove = outcomeOf(done, older)!;
    assert.deepEqual(
      [olderMove.outcome, olderMove.restart_needed, olderMove.checkpoint],
      ['moved', false, null],
    );
    const earlierMove = outcomeOf(done, earlier)!;
    assert.equal(earlierMove.outcome, 'moved');
    assert.equal(earlierMove.restart_needed, true);
    assert.match(earlierMove.checkpoint ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(done.pruned, [], 'nothing pruned unless asked');

    // The app with its own dependency is left as it was.
    assert.equal(await read(extra.sandbox.id, 'package.json'), extraPkgText);
    assert.equal(await read(extra.sandbox.id, 'package-lock.json'), presetLock);

    // The earlier preset's app: the current lockfile, express as the preset pins it now, its
    // own script kept, and a checkpoint holding just those two files.
    assert.equal(await read(earlier.sandbox.id, 'package-lock.json'), presetLock);
    const movedPkg = JSON.parse(await read(earlier.sandbox.id, 'package.json')) as Json;
    assert.deepEqual(movedPkg.dependencies, (JSON.parse(presetPkg) as Json).dependencies);
    assert.equal(movedPkg.scripts.hello, 'echo hello');
    const log = await shellOk(d, earlier.sandbox.id, 'git log -1 --format=%H%n%s --name-only');
    assert.deepEqual(log.trim().split('\n').filter(Boolean), [
      earlierMove.checkpoint,
      "Dependencies updated to the node-express preset's current lockfile",
      'package-lock.json',
      'package.json',
    ]);
    assert.ok((await eventTypes(earlier)).includes('dependencies.moved'));

    // The moved apps boot on the shared cache as it is: nothing installed.
    assert.equal((await d.api('POST', `/v1/sandboxes/${older.sandbox.id}/start`, {})).status, 200);
    await healthy(older.id);
    assert.equal(await read(older.sandbox.id, 'package-lock.json'), presetLock);
    assert.equal((await d.api('POST', `/v1/sandboxes/${earlier.sandbox.id}/stop`, {})).status, 200);
    assert.equal(
      (await d.api('POST', `/v1/sandboxes/${earlier.sandbox.id}/start`, {})).status,
      200,
    );
    await healthy(earlier.id);
    for (const app of [older, earlier]) {
      const types = await eventTypes(app);
      assert.ok(types.includes('dependencies.moved'), types.join());
      assert.ok(!types.includes('dependencies.installing'), `${app.id}: ${types.join()}`);
    }
    assert.equal(
      (await shellOk(d, older.sandbox.id, `node -p "require('ms/package.json').version"`)).trim(),
      '2.1.3',
    );

    // Pruning removes the earlier entry, which nothing mounts, and keeps the current ones.
    const pruned = await update({ prune: true });
    assert.deepEqual(pruned.pruned, [{ entry: EARLIER, outcome: 'removed', reason: null }]);
    assert.ok(!fs.existsSync(path.join(cacheDir, EARLIER)));
    assert.ok(fs.existsSync(path.dirname(new DependencyCache({ root: cacheDir }).dirFor(preset))));
    assert.equal(outcomeOf(pruned, older)?.outcome, 'up_to_date');
    assert.equal(outcomeOf(pruned, earlier)?.outcome, 'up_to_date');
  });
});
