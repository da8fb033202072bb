// The import and export views' logic that needs no browser: how an app without a preset is
// named, the names an import suggests, a manifest problem's place in the text, the route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppImport } from '@paddock/shared';
import { nameFromFileName, nameFromGitUrl } from '../src/components/import/importNames.js';
import { textPlace } from '../src/components/import/textPlace.js';
import { appKindLabel } from '../src/lib/appKind.js';
import { parseRoute, paths } from '../src/router/routes.js';

function imported(kind: NonNullable<AppImport['detection']>['kind']): AppImport {
  return {
    source: { kind: 'archive', snapshot_id: 'snp1' },
    state: 'review',
    detection: {
      kind,
      package_manager: null,
      preset: null,
      manifest_source: 'proposed',
      manifest: 'web:\n  command: x\n',
      notes: [],
    },
  };
}

describe('an app without a preset', () => {
  it('is shown by what its import was detected as, else by its preset', () => {
    assert.equal(appKindLabel({ preset: 'static', import: null }), 'static');
    assert.equal(appKindLabel({ preset: null, import: imported('vite') }), 'Imported (Vite)');
    assert.equal(appKindLabel({ preset: null, import: imported('nextjs') }), 'Imported (Next.js)');
    assert.equal(appKindLabel({ preset: null, import: imported('unknown') }), 'Imported');
    assert.equal(appKindLabel({ preset: null, import: null }), 'Imported');
    // A lockfile that matched a preset gives the app that preset's cache; it is still an import.
    assert.equal(
      appKindLabel({ preset: 'react-vite', import: imported('vite') }),
      'Imported (Vite)',
    );
  });
});

describe('the names an import suggests', () => {
  it('takes the repository name from a git URL', () => {
    assert.equal(nameFromGitUrl('https://example.com/you/my-site.git'), 'my-site');
    assert.equal(nameFromGitUrl('https://example.com/you/my-site/'), 'my-site');
    assert.equal(nameFromGitUrl(''), '');
  });

  it("takes an archive's name without its extension", () => {
    assert.equal(nameFromFileName('shop.tar.gz'), 'shop');
    assert.equal(nameFromFileName('shop.ZIP'), 'shop');
    assert.equal(nameFromFileName('a'.repeat(80) + '.tgz').length, 64);
  });
});

describe("a manifest problem's place", () => {
  const text = 'web:\n  command: npm start\n  port: abc\n';
  it('is the offset of its line and column, and of the end of that line', () => {
    const { start, lineEnd } = textPlace(text, 3, 9);
    assert.equal(text.slice(start, lineEnd), 'abc');
  });
  it('stays inside the text for places past its end', () => {
    const { start, lineEnd } = textPlace(text, 99, 99);
    assert.ok(start <= text.length && lineEnd <= text.length);
  });
});

describe('the import route', () => {
  it('has its own address, not taken for an app id', () => {
    assert.deepEqual(parseRoute(paths.importApp), { name: 'import-app' });
    assert.deepEqual(parseRoute('/apps/import/'), { name: 'import-app' });
  });
});
