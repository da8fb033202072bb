import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaddockError, holds, type AppPackageManifest } from '@paddock/shared';
import {
  assertNotForbidden,
  assertUpgradable,
  beyondCeiling,
  permissionDiff,
} from '../src/index.js';

const manifest = (over: Partial<AppPackageManifest>): AppPackageManifest => ({
  id: 'a'.repeat(52),
  name: 'x',
  version: 2,
  version_label: '2',
  min_upgradable_version: 1,
  app_type: 'web',
  entry: 'index.html',
  description: '',
  permissions: [],
  optional_permissions: [],
  ...over,
});

const code = (fn: () => void): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PaddockError);
    return err.code;
  }
  return 'none';
};

describe('permission rules', () => {
  it('holds what the ceiling covers without a grant, and nothing a tier is forbidden', () => {
    assert.equal(holds('user-uploaded', [], [], 'app.kv.get'), true);
    assert.equal(holds('user-uploaded', [], [], 'app.notify'), false);
    assert.equal(holds('user-uploaded', ['app.notify'], [], 'app.notify.send'), true);
    assert.equal(holds('unknown', [], [], 'app.kv'), false);
    assert.equal(holds('first-party', ['app.kv'], ['app.kv'], 'app.kv.get'), false);
    assert.equal(
      holds('user-uploaded', ['network:https://a.test'], [], 'network:https://b.test'),
      false,
    );
  });

  it('asks consent only for what is beyond the ceiling and not granted', () => {
    const next = manifest({ permissions: ['app.kv', 'app.notify', 'app.llm'] });
    assert.deepEqual(beyondCeiling(next, 'user-uploaded'), ['app.notify', 'app.llm']);
    assert.deepEqual(beyondCeiling(next, 'first-party'), ['app.llm']);
    const diff = permissionDiff(next, 'user-uploaded', ['app.notify'], ['app.kv', 'app.files']);
    assert.deepEqual(diff.added, ['app.llm']);
    assert.deepEqual(diff.removed, ['app.files']);
    assert.equal(diff.version, 2);
  });

  it('refuses forbidden requirements, downgrades and versions below the minimum', () => {
    const m = manifest({ permissions: ['app.llm'], version: 5, min_upgradable_version: 3 });
    assert.equal(
      code(() => assertNotForbidden(m, 'ai-generated', ['app.llm'])),
      'capability_forbidden',
    );
    assert.equal(
      code(() => assertNotForbidden(m, 'ai-generated', ['app.kv'])),
      'none',
    );
    assert.equal(
      code(() => assertUpgradable(5, m)),
      'package_downgrade',
    );
    assert.equal(
      code(() => assertUpgradable(6, m)),
      'package_downgrade',
    );
    assert.equal(
      code(() => assertUpgradable(2, m)),
      'package_not_upgradable',
    );
    assert.equal(
      code(() => assertUpgradable(3, m)),
      'none',
    );
  });
});
