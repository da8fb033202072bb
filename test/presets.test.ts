import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPreset } from '@paddock/presets';
import { suiteDaemon } from './harness.js';
import { openPreview, previewGet, waitFor } from './previewClient.js';

interface Proc {
  name: string;
  kind: string;
  status: string;
  health: string | null;
}
interface App {
  id: string;
  sandbox: {
    id: string;
    limits: { memory_mb: number };
    preview: { url: string | null; status: string };
    processes: Proc[];
    manifest: { source: string; errors: unknown[] };
  };
}

/** What each preset's first page must show, proving the real app answered (not a proxy page). */
const EXPECTED: Record<string, RegExp | null> = {
  'react-vite': /<div id="root">/,
  nextjs: /<html/i,
  'node-express': /Express/,
  fastapi: /FastAPI|fastapi/,
  static: /<html/i,
  worker: null,
};

describe('every preset boots to a healthy state', () => {
  const d = suiteDaemon();
  const appNow = async (id: string): Promise<App> =>
    (await d.api<App>('GET', `/v1/apps/${id}`)).body;

  for (const [preset, page] of Object.entries(EXPECTED)) {
    it(preset, async () => {
      // The first app of a preset on a fresh host installs its dependency cache.
      const created = await d.api<App>('POST', '/v1/apps', { name: preset, preset });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.sandbox.manifest.source, 'workspace');
      assert.deepEqual(created.body.sandbox.manifest.errors, []);
      const app = await waitFor(
        `${preset} healthy`,
        async () => {
          const a = (await d.api<App>('GET', `/v1/apps/${created.body.id}`)).body;
          const all = a.sandbox.processes;
          const healthy =
            all.length > 0 &&
            all.every((p) => p.status === 'running' && (p.kind !== 'web' || p.health === 'ready'));
          return healthy ? a : undefined;
        },
        180_000,
      );
      if (page === null) {
        assert.equal(app.sandbox.preview.status, 'none');
        assert.ok(app.sandbox.processes.every((p) => p.kind === 'worker'));
      } else {
        assert.equal(app.sandbox.preview.status, 'ready');
        const { page: served, cookie } = await openPreview(d.url, app.sandbox.preview.url!);
        assert.equal(served.status, 200, served.body.slice(0, 300));
        assert.match(served.body, page);
        assert.equal(
          (await previewGet(d.url, app.sandbox.preview.url!, { cookie, path: '/' })).status,
          200,
        );
      }
      if (preset === 'nextjs') {
        // Dev server and production build together need more than the default 1 GiB.
        assert.equal(created.body.sandbox.limits.memory_mb, 2048);
        // A production build (the manifest's build check) must not break the running dev server.
        const build = getPreset('nextjs')!.manifest.build!.command;
        const built = await d.api<{ exit_code: number; stderr: string; state: string }>(
          'POST',
          `/v1/sandboxes/${app.sandbox.id}/exec`,
          { command: build, timeout_ms: 600_000 },
        );
        assert.equal(
          built.body.exit_code,
          0,
          `${built.body.state}: ${built.body.stderr.slice(-2000)}`,
        );
        const { page: after } = await openPreview(
          d.url,
          (await appNow(app.id)).sandbox.preview.url!,
        );
        assert.equal(after.status, 200, 'the dev server still serves after a build');
        assert.match(after.body, /<html/i);
      }
      // One preset at a time keeps the suite within the host's memory.
      await d.api('DELETE', `/v1/apps/${app.id}?purge=true`);
    });
  }

  it('installs nothing for the second app of a preset', async () => {
    const second = await d.api<App>('POST', '/v1/apps', { name: 'again', preset: 'react-vite' });
    assert.equal(second.status, 201);
    const events = await d.api<{ items: { type: string; payload: Record<string, unknown> }[] }>(
      'GET',
      `/v1/sandboxes/${second.body.sandbox.id}/events`,
    );
    const created = events.body.items.find((e) => e.type === 'app.created');
    assert.equal(created?.payload.dependencies, 'cached');
  });
});
