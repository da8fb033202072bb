/**
 * An app's activity (`GET /v1/apps/{id}/events`): its events across every sandbox it has had,
 * newest first in cursor pages, filtered by type, and live as server-sent events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, type PaddockEvent } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

interface App {
  id: string;
  sandbox: { id: string; status: string } | null;
}
interface Page {
  items: PaddockEvent[];
  next_cursor: string | null;
}
interface Err {
  error: { code: string };
}

/** Follows an app's event stream: every `event` frame into `seen`, until `stop()`. */
async function follow(url: string, token: string, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const seen: PaddockEvent[] = [];
  const parser = new SseParser<{ event: 'event'; data: PaddockEvent }>((e) => e === 'event');
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
    until: (what: string, test: (e: PaddockEvent) => boolean) =>
      waitFor(what, async () => seen.find(test)),
    async stop() {
      abort.abort();
      await reading;
    },
  };
}

describe("an app's events", () => {
  const d = suiteDaemon();

  const createApp = async (name: string): Promise<App> => {
    const res = await d.api<App>('POST', '/v1/apps', { name, preset: 'static' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const allEvents = async (appId: string, query = ''): Promise<PaddockEvent[]> => {
    const out: PaddockEvent[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await d.api<Page>('GET', `/v1/apps/${appId}/events?${q}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 2);
      out.push(...res.body.items);
      cursor = res.body.next_cursor;
    } while (cursor);
    return out;
  };

  it('lists them newest first across past and current sandboxes, in pages', async () => {
    const app = await createApp('events-a');
    const other = await createApp('events-b');
    const first = app.sandbox!.id;
    assert.equal((await d.api('POST', `/v1/sandboxes/${first}/stop`)).status, 200);
    assert.equal((await d.api('POST', `/v1/sandboxes/${first}/start`)).status, 200);
    // A past sandbox: delete the app's sandbox, then wake the app into a new one.
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${first}`)).status, 204);
    const woken = await d.api<App>('POST', `/v1/apps/${app.id}/sandbox`);
    assert.equal(woken.status, 200, JSON.stringify(woken.body));
    const second = woken.body.sandbox!.id;
    assert.notEqual(second, first);

    const events = await allEvents(app.id);
    const ids = events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
    const types = events.map((e) => e.type);
    for (const t of ['app.created', 'sandbox.stopped', 'sandbox.started', 'sandbox.deleted']) {
      assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    }
    const sandboxes = new Set(events.map((e) => e.sandbox_id));
    assert.ok(sandboxes.has(first) && sandboxes.has(second), 'both sandboxes');
    assert.ok(!sandboxes.has(other.sandbox!.id), "another app's events are not listed");

    const onlySandbox = await allEvents(app.id, '&type=sandbox.*');
    assert.ok(onlySandbox.length > 0 && onlySandbox.every((e) => e.type.startsWith('sandbox.')));
    const onlyStopped = await allEvents(app.id, '&type=sandbox.stopped');
    assert.deepEqual(
      onlyStopped.map((e) => e.type),
      ['sandbox.stopped'],
    );
  });

  it('refuses bad input with stable codes and hides other owners’ apps', async () => {
    const app = (await d.api<{ items: App[] }>('GET', '/v1/apps')).body.items[0]!;
    const cases: [string, number, string][] = [
      [`/v1/apps/${app.id}/events?cursor=not-a-cursor`, 400, 'bad_request'],
      [`/v1/apps/${app.id}/events?limit=0`, 400, 'bad_request'],
      [`/v1/apps/${app.id}/events?type=a%20b`, 400, 'bad_request'],
      [`/v1/apps/${app.id}/events?colour=red`, 400, 'unknown_field'],
      ['/v1/apps/app01nope/events', 404, 'not_found'],
    ];
    for (const [p, status, code] of cases) {
      const res = await d.api<Err>('GET', p);
      assert.equal(res.status, status, `${p}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, p);
    }
    const olga = (
      await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'o', owner: 'olga' })
    ).body.token;
    const res = await d.api<Err>('GET', `/v1/apps/${app.id}/events`, undefined, olga);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    const streamed = await fetch(`${d.url}/v1/apps/${app.id}/events`, {
      headers: { authorization: `Bearer ${olga}`, accept: 'text/event-stream' },
    });
    assert.equal(streamed.status, 404);
  });

  it('streams new events as they happen, and what a reconnect missed', async () => {
    const apps = (await d.api<{ items: App[] }>('GET', '/v1/apps')).body.items;
    const app = apps.find((a) => a.sandbox && a.sandbox.status === 'running')!;
    const other = apps.find((a) => a.id !== app.id)!;
    const url = `${d.url}/v1/apps/${app.id}/events`;
    const live = await follow(url, d.token);
    try {
      assert.equal((await d.api('POST', `/v1/sandboxes/${other.sandbox!.id}/stop`)).status, 200);
      assert.equal((await d.api('POST', `/v1/sandboxes/${app.sandbox!.id}/stop`)).status, 200);
      const stopped = await live.until('the stop event', (e) => e.type === 'sandbox.stopped');
      assert.equal(stopped.sandbox_id, app.sandbox!.id);
      assert.ok(
        live.seen.every((e) => e.sandbox_id !== other.sandbox!.id),
        'only this app',
      );
    } finally {
      await live.stop();
    }

    // A reconnect that says what it saw last gets what it missed, then what is new.
    const newest = (await d.api<Page>('GET', `${url.slice(d.url.length)}?limit=1`)).body.items[0]!;
    assert.equal((await d.api('POST', `/v1/sandboxes/${app.sandbox!.id}/start`)).status, 200);
    const resumed = await follow(url, d.token, newest.id);
    try {
      await resumed.until('the missed start', (e) => e.type === 'sandbox.started');
      assert.ok(resumed.seen.every((e) => e.id > newest.id));
      const typed = await follow(`${url}?type=sandbox.stopped`, d.token);
      try {
        assert.equal((await d.api('POST', `/v1/sandboxes/${app.sandbox!.id}/stop`)).status, 200);
        await typed.until('the filtered stop', (e) => e.type === 'sandbox.stopped');
        assert.ok(typed.seen.every((e) => e.type === 'sandbox.stopped'));
      } finally {
        await typed.stop();
      }
    } finally {
      await resumed.stop();
    }
  });
});
