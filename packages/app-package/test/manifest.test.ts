import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateAppKey, parsePackageManifest } from '../src/index.js';

const id = generateAppKey().appId;
const good = {
  id,
  name: 'Notes',
  version: 3,
  version_label: '1.2.0',
  min_upgradable_version: 1,
  app_type: 'web',
  entry: 'index.html',
  icon: 'icon.png',
  description: 'Notes, kept in the app’s own store.',
  permissions: ['app.kv'],
  optional_permissions: ['network:https://api.example.com'],
  release_notes: 'Faster search.',
};

function issues(manifest: unknown): { line: number; path: string; message: string }[] {
  const r = parsePackageManifest(JSON.stringify(manifest, null, 2));
  assert.equal(r.valid, false, 'refused');
  return r.valid ? [] : r.errors;
}

describe('paddock-app.json', () => {
  it('accepts a valid manifest as it is', () => {
    const r = parsePackageManifest(JSON.stringify(good, null, 2));
    assert.ok(r.valid, JSON.stringify(r));
    assert.deepEqual(r.manifest, good);
  });

  it('names the line and field of each problem', () => {
    const found = issues({ ...good, permissions: ['app.kv', 'fs.read'], colour: 'blue' });
    const perm = found.find((e) => e.path === 'permissions.1');
    assert.ok(perm, JSON.stringify(found));
    // Pretty-printed: `{`, then one line per field; permissions' second item is on line 13.
    assert.equal(perm.line, 13);
    const extra = found.find((e) => e.message === 'unknown field colour');
    assert.ok(extra, JSON.stringify(found));
    assert.equal(extra.path, 'colour');
  });

  it('refuses what one field cannot say alone', () => {
    const { entry: _entry, ...noEntry } = good;
    assert.match(issues(noEntry)[0]!.message, /entry HTML file/);
    assert.equal(issues({ ...good, app_type: 'service' })[0]!.path, 'entry');
    assert.equal(issues({ ...good, min_upgradable_version: 4 })[0]!.path, 'min_upgradable_version');
    assert.equal(
      issues({ ...good, optional_permissions: ['app.kv'] })[0]!.path,
      'optional_permissions.0',
    );
  });

  it('refuses ids, paths and text that are not what they claim', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'APPID' }, 'id'],
      [{ version: 0 }, 'version'],
      [{ version: 1.5 }, 'version'],
      [{ entry: '../index.html' }, 'entry'],
      [{ entry: '/index.html' }, 'entry'],
      [{ entry: 'a\\b.html' }, 'entry'],
      [{ icon: 'x/../../y.png' }, 'icon'],
      [{ name: '' }, 'name'],
      [{ permissions: ['app.kv', 'app.kv'] }, 'permissions'],
    ];
    for (const [patch, path] of cases) {
      const found = issues({ ...good, ...patch });
      assert.ok(
        found.some((e) => e.path === path),
        `${JSON.stringify(patch)}: ${JSON.stringify(found)}`,
      );
    }
  });

  it('reports malformed JSON and duplicate keys with their place', () => {
    const broken = parsePackageManifest('{\n  "name": "x",\n  "name": "y"\n}');
    assert.equal(broken.valid, false);
    assert.equal(broken.valid ? 0 : broken.errors[0]!.line, 3);
    const cut = parsePackageManifest('{\n  "name": ');
    assert.equal(cut.valid, false);
  });
});
