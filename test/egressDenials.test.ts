/**
 * The live feed of egress refusals (`GET /v1/sandboxes/{id}/egress/denials`, and the app's):
 * every refusal as it happens, not the once-a-minute sample the event log keeps, so a
 * person sees what to allow. Nothing leaves the sandbox: each request is refused by name at the
 * proxy in its own network namespace.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, type EgressDenial } from '@paddock/shared';
import { suiteDaemon } from './harness.js';

/** Follows a feed: every `denial` frame into `seen`, until `stop()`. */
async function follow(url: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const seen: EgressDenial[] = [];
  const parser = new SseParser<{ event: 'denial'; data: EgressDenial }>((e) => e === 'denial');
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        for (const frame of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
          seen.push(frame.data);
        }
      }
    } catch {
      // stopped
    }
  })();
  return {
    seen,
    async until(n: number) {
      for (let i = 0; i < 300 && seen.length < n; i++) await sleep(100);
      assert.ok(seen.length >= n, `${seen.length} denials seen, ${n} expected`);
    },
    async stop() {
      abort.abort();
      await reading;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the live feed of egress refusals', () => {
  const d = suiteDaemon();
  const sandbox = async () => {
    const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const sh = async (id: string, command: string) => {
    const res = await d.api<{ stdout: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${id}/exec`,
      { command, timeout_ms: 30_000 },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it('tells every refusal as it happens, then keeps the latest for a late follower', async () => {
    const id = await sandbox();
    const feed = await follow(`${d.url}/v1/sandboxes/${id}/egress/denials`, d.token);
    try {
      // Three refusals of the same host within a second: the feed has all three.
      await sh(
        id,
        'for i in 1 2 3; do curl -s -o /dev/null http://feed.example.test/$i; done; true',
      );
      await feed.until(3);
      assert.deepEqual(
        feed.seen.map((e) => [e.sandbox_id, e.host, e.port, e.kind, e.reason, e.rule]),
        Array(3).fill([id, 'feed.example.test', 80, 'destination', 'not allowed', null]),
      );

      // A deny entry names itself as the rule.
      const put = await d.api('PUT', `/v1/sandboxes/${id}/egress`, {
        allow: ['*.example.test'],
        deny: ['blocked.example.test'],
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      await sh(id, 'curl -s -o /dev/null https://blocked.example.test/; true');
      await feed.until(4);
      assert.equal(feed.seen[3]!.host, 'blocked.example.test');
      assert.equal(feed.seen[3]!.port, 443);
      assert.equal(feed.seen[3]!.rule, 'deny blocked.example.test');
    } finally {
      await feed.stop();
    }

    // As JSON: the kept ones, oldest first. A late follower gets them first too.
    const kept = await d.api<{ items: EgressDenial[] }>(
      'GET',
      `/v1/sandboxes/${id}/egress/denials`,
    );
    assert.equal(kept.status, 200);
    assert.deepEqual(kept.body.items, feed.seen);
    const late = await follow(`${d.url}/v1/sandboxes/${id}/egress/denials`, d.token);
    try {
      await late.until(4);
      assert.deepEqual(late.seen, feed.seen);
    } finally {
      await late.stop();
    }

    // The audit has each refusal too, not a sample: three entries for feed.example.test.
    const audited = async () =>
      (
        await d.api<{ items: { details: { host?: string } }[] }>(
          'GET',
          '/v1/audit?action=egress&outcome=denied&limit=200',
        )
      ).body.items.filter((e) => e.details.host === 'feed.example.test').length;
    for (let i = 0; i < 100 && (await audited()) < 3; i++) await sleep(100);
    assert.equal(await audited(), 3);
  });

  it("keeps each sandbox's refusals to its own feed and owner", async () => {
    const a = await sandbox();
    const b = await sandbox();
    await sh(a, 'curl -s -o /dev/null http://only-a.example.test/; true');
    const ofB = await d.api<{ items: EgressDenial[] }>('GET', `/v1/sandboxes/${b}/egress/denials`);
    assert.deepEqual(ofB.body.items, []);
    const ofA = await d.api<{ items: EgressDenial[] }>('GET', `/v1/sandboxes/${a}/egress/denials`);
    assert.deepEqual(
      ofA.body.items.map((e) => e.host),
      ['only-a.example.test'],
    );
    const unknown = await d.api('GET', '/v1/sandboxes/sbx_doesnotexist/egress/denials');
    assert.equal(unknown.status, 404);
    const noApp = await d.api('GET', `/v1/apps/app${'0'.repeat(26)}/egress/denials`);
    assert.equal(noApp.status, 404);
    const nobody = await fetch(`${d.url}/v1/sandboxes/${a}/egress/denials`);
    assert.equal(nobody.status, 401);
  });

  it("follows an app's sandbox through the app's route", async () => {
    const created = await d.api<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
      name: 'denials',
      preset: 'static',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const app = created.body;
    await sh(app.sandbox.id, 'curl -s -o /dev/null http://app-feed.example.test/; true');
    const kept = await d.api<{ items: EgressDenial[] }>('GET', `/v1/apps/${app.id}/egress/denials`);
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.deepEqual(
      kept.body.items.map((e) => [e.sandbox_id, e.host]),
      [[app.sandbox.id, 'app-feed.example.test']],
    );
  });
});
