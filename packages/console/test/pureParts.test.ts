// The console's logic that needs no browser: status wording, preview URL stability, the log
// memory bound and route parsing. The screens themselves are for browser tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App, PreviewStatus, ProcessView, SandboxDetail } from '@paddock/shared';
import { summarizeApp } from '../src/lib/appStatus.js';
import { keepTail, MAX_LOG_CHARS } from '../src/lib/boundedText.js';
import { isSamePreviewTarget, nextFrameSrc } from '../src/lib/previewUrl.js';
import { APP_TABS, INSTANCE_SECTIONS, parseRoute, paths } from '../src/router/routes.js';

function process(name: string, overrides: Partial<ProcessView> = {}): ProcessView {
  return {
    name,
    kind: 'worker',
    status: 'running',
    pid: 42,
    restarts: 0,
    since: '2026-01-01T00:00:00.000Z',
    exit_code: null,
    signal: null,
    health: null,
    ...overrides,
  };
}

function preview(url: string | null, status: PreviewStatus): SandboxDetail['preview'] {
  return { url, status, public: false, expires_at: null };
}

function app(sandbox: Partial<SandboxDetail> | null): App {
  return {
    id: 'ap1',
    name: 'demo',
    preset: 'react-vite',
    public: false,
    import: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    sandbox:
      sandbox === null
        ? null
        : {
            id: 'sb1',
            status: 'running',
            limits: { memory_mb: 1024, pids: 256, cpus: 1, disk_mb: 1024 },
            env_keys: [],
            metadata: {},
            created_at: '2026-01-01T00:00:00.000Z',
            updated_at: '2026-01-01T00:00:00.000Z',
            started_at: '2026-01-01T00:00:00.000Z',
            stopped_at: null,
            status_reason: null,
            oom_kills: 0,
            last_active_at: null,
            keepalive_until: null,
            app_id: 'ap1',
            preview: preview('http://5173-sb1.preview.localhost:7070/?paddock_token=a', 'ready'),
            processes: [process('web', { kind: 'web', health: 'ready' })],
            manifest: { source: 'workspace', errors: [] },
            ...sandbox,
          },
  };
}

describe('summarizeApp', () => {
  it('reports the preview status of a running web app', () => {
    const s = summarizeApp(app({ preview: preview(null, 'starting') }));
    assert.equal(s.status, 'running');
    assert.equal(s.preview, 'starting');
    assert.equal(s.label, 'Running · preview starting');
    assert.equal(s.tone, 'busy');
  });

  it("reports a worker-only app by its processes' state", () => {
    const s = summarizeApp(
      app({
        preview: preview(null, 'none'),
        processes: [process('queue'), process('mailer', { status: 'backoff' })],
      }),
    );
    assert.equal(s.preview, 'none');
    assert.equal(s.label, 'Running · queue running, mailer backoff');
    assert.equal(s.tone, 'bad');
  });

  it('reports a stopped sandbox with its reason and no preview', () => {
    const s = summarizeApp(
      app({ status: 'stopped', status_reason: 'idle', preview: preview(null, 'down') }),
    );
    assert.deepEqual(
      [s.status, s.preview, s.label, s.detail],
      ['stopped', null, 'Stopped', 'idle'],
    );
  });

  it('counts manifest errors and says when there is no sandbox', () => {
    const issue = { line: 3, column: 1, path: 'web.port', message: 'must be a number' };
    assert.equal(
      summarizeApp(app({ manifest: { source: 'preset', errors: [issue] } })).manifestErrors,
      1,
    );
    assert.equal(summarizeApp(app(null)).status, 'none');
  });
});

describe('preview frame URL', () => {
  const first = 'http://5173-sb1.preview.localhost:7070/?paddock_token=a';
  const renewed = 'http://5173-sb1.preview.localhost:7070/?paddock_token=b';
  const moved = 'http://3000-sb1.preview.localhost:7070/?paddock_token=c';

  it('keeps the first URL while only the token changes', () => {
    assert.equal(isSamePreviewTarget(first, renewed), true);
    assert.equal(nextFrameSrc(first, renewed), first);
  });

  it('follows the preview to another origin or path', () => {
    assert.equal(nextFrameSrc(first, moved), moved);
    assert.equal(nextFrameSrc(first, first.replace('/?', '/app/?')), first.replace('/?', '/app/?'));
  });

  it('starts from the first URL reported and keeps it when none is reported', () => {
    assert.equal(nextFrameSrc(null, first), first);
    assert.equal(nextFrameSrc(first, null), first);
    assert.equal(isSamePreviewTarget('not a url', 'not a url'), false);
  });
});

describe('keepTail', () => {
  it('leaves short text alone', () => {
    assert.equal(keepTail('a\nb\n'), 'a\nb\n');
  });

  it('keeps at most the bound, starting at a line boundary', () => {
    const line = 'x'.repeat(99) + '\n';
    const text = line.repeat(Math.ceil((MAX_LOG_CHARS * 2) / line.length));
    const kept = keepTail(text);
    assert.ok(kept.length <= MAX_LOG_CHARS);
    assert.ok(kept.length > MAX_LOG_CHARS - line.length);
    assert.ok(kept.startsWith('x'.repeat(99) + '\n'));
  });

  it('cuts mid-line when the nearest line boundary is far away', () => {
    const kept = keepTail('y'.repeat(5000), 100);
    assert.equal(kept, 'y'.repeat(100));
  });
});

describe('parseRoute', () => {
  it('knows the list, the new-app form and app pages', () => {
    assert.deepEqual(parseRoute('/'), { name: 'apps' });
    assert.deepEqual(parseRoute('/apps/'), { name: 'apps' });
    assert.deepEqual(parseRoute('/apps/new'), { name: 'new-app' });
    assert.deepEqual(parseRoute(paths.app('ap 1')), { name: 'app', id: 'ap 1', tab: 'build' });
    assert.deepEqual(parseRoute('/apps/a/b'), { name: 'not-found' });
    assert.deepEqual(parseRoute('/apps/%E0%A4%A'), { name: 'not-found' });
  });

  it("knows an app page's sections, each at its own address", () => {
    for (const tab of APP_TABS) {
      assert.deepEqual(parseRoute(paths.app('ap_1', tab)), { name: 'app', id: 'ap_1', tab });
    }
    // The build view has one address only.
    assert.equal(paths.app('ap_1', 'build'), '/apps/ap_1');
    assert.deepEqual(parseRoute('/apps/ap_1/build'), { name: 'not-found' });
    assert.deepEqual(parseRoute('/apps/ap_1/files/x'), { name: 'not-found' });
  });

  it("knows the instance's pages", () => {
    assert.deepEqual(parseRoute('/instance'), { name: 'instance', section: 'settings' });
    for (const section of INSTANCE_SECTIONS) {
      assert.deepEqual(parseRoute(paths.instance(section)), { name: 'instance', section });
    }
    assert.deepEqual(parseRoute('/instance/nope'), { name: 'not-found' });
  });
});
