/** Pruning the dependency cache: entries of earlier keys go, the current and those in use stay. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DependencyCache, getPreset, pruneCache } from '../src/index.js';

const preset = getPreset('node-express')!;

describe('pruning the cache', () => {
  it('removes entries of earlier keys that nothing uses, keeps the current and those in use', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-prune-'));
    try {
      const cache = new DependencyCache({ root });
      const entry = (name: string) => {
        fs.mkdirSync(path.join(root, name, 'node_modules'), { recursive: true });
        return path.join(root, name);
      };
      const currentDir = entry(path.basename(path.dirname(cache.dirFor(preset))));
      const unused = entry('node-express-00000000000000aa');
      const used = entry('tool-pnpm-00000000000000bb');
      const stranger = entry('not-a-preset-00000000000000cc');
      fs.mkdirSync(path.join(root, 'bin'));
      const inUse = (dir: string) => (dir === used ? 'mounted by a sandbox' : null);
      const dry = await pruneCache(cache, { dryRun: true, inUse });
      assert.deepEqual(dry, [
        { entry: 'node-express-00000000000000aa', outcome: 'would_remove', reason: null },
        { entry: 'tool-pnpm-00000000000000bb', outcome: 'kept', reason: 'mounted by a sandbox' },
      ]);
      assert.ok(fs.existsSync(unused));
      await pruneCache(cache, { dryRun: false, inUse });
      assert.ok(!fs.existsSync(unused));
      for (const kept of [currentDir, used, stranger, path.join(root, 'bin')]) {
        assert.ok(fs.existsSync(kept), kept);
      }
      assert.deepEqual(
        fs.readdirSync(root).filter((n) => n.startsWith('.tmp-')),
        [],
        'nothing left aside',
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('an entry a bin/ command runs from is in use', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-prune-'));
    try {
      const cache = new DependencyCache({ root });
      fs.mkdirSync(path.join(root, 'tool-pnpm-00000000000000bb', 'node_modules'), {
        recursive: true,
      });
      fs.mkdirSync(path.join(root, 'bin'));
      fs.writeFileSync(
        path.join(root, 'bin', 'pnpm'),
        '#!/bin/sh\nexec node /opt/paddock/cache/tool-pnpm-00000000000000bb/node_modules/pnpm/bin/pnpm.cjs "$@"\n',
      );
      const out = await pruneCache(cache, { dryRun: false });
      assert.equal(out[0]?.outcome, 'kept');
      assert.match(out[0]!.reason!, /a command in .*bin runs from it/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
