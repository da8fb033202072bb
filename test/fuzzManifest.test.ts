/**
 * `sandbox.yaml` bombs arriving over the API (issue 20): an imported app held for review is
 * confirmed with a manifest that is a billion-laughs document, nested past any use, a scalar
 * at the size cap, or carries what a process cannot be started with (a NUL in its command, a
 * health path Node will not send). Each confirmation is a 400 `manifest_invalid` that changes
 * nothing; the validate route answers the same documents with their issues; the daemon serves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { suiteDaemon } from './harness.js';

interface App {
  id: string;
  import?: { state: string };
}
interface Answer {
  error?: { code: string; details?: { errors?: { line: number; message: string }[] } };
  valid?: boolean;
  errors?: { line: number; message: string }[];
}

async function siteArchive(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'index.html' }, '<!doctype html><title>t</title><h1>site</h1>');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return zlib.gzipSync(Buffer.concat(chunks));
}

const LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'
    .split('')
    .map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'version: 1',
  'web: {command: *i, port: 3000}',
].join('\n');

const BOMBS: [string, string][] = [
  ['a billion laughs', LAUGHS],
  ['nesting 20,000 deep', `version: 1\nweb: ${'['.repeat(20_000)}${']'.repeat(20_000)}`],
  ['a merge key from an alias', 'b: &b {command: x, port: 1}\nversion: 1\nweb: {<<: *b}\n'],
  ['a command at the size cap', `version: 1\nweb: {port: 1, command: "${'x'.repeat(65_000)}"}`],
  ['duplicate keys', 'version: 1\nweb: {command: a, port: 1}\nweb: {command: b, port: 2}\n'],
  ['a NUL in the command', 'version: 1\nweb: {command: "python3 -m http.server\\0", port: 8000}\n'],
  [
    'a health path Node will not send',
    'version: 1\nweb: {command: python3 -m http.server, port: 8000, health_path: "/\u0101"}\n',
  ],
  ['a NUL in the health path', 'version: 1\nweb: {command: x, port: 8000, health_path: "/\\0"}\n'],
];

describe('sandbox.yaml bombs over the API', () => {
  const d = suiteDaemon();

  it('refuses each as the manifest of an import held for review, changing nothing', async () => {
    const res = await fetch(`${d.url}/v1/apps/import?name=site&review=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: await siteArchive(),
    });
    const app = (await res.json()) as App;
    assert.equal(res.status, 201, JSON.stringify(app));
    assert.equal(app.import?.state, 'review');
    for (const [label, manifest] of BOMBS) {
      const confirmed = await d.api<Answer>('POST', `/v1/apps/${app.id}/import/confirm`, {
        manifest,
      });
      // Only the error: an app's view carries its preview link's token.
      assert.equal(confirmed.status, 400, `${label}: ${JSON.stringify(confirmed.body.error)}`);
      assert.equal(confirmed.body.error?.code, 'manifest_invalid', label);
      assert.ok((confirmed.body.error?.details?.errors ?? []).length > 0, label);
      const now = await d.api<App>('GET', `/v1/apps/${app.id}`);
      assert.equal(now.body.import?.state, 'review', `${label}: still held`);
    }
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
  });

  it('answers each at the validate route with its issues', async () => {
    for (const [label, content] of BOMBS) {
      const res = await d.api<Answer>('POST', '/v1/runtime/manifest/validate', { content });
      assert.equal(res.status, 200, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.valid, false, label);
      assert.ok(
        (res.body.errors ?? []).every((e) => e.line >= 1),
        label,
      );
    }
  });
});
