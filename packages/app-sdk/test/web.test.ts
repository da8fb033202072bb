// The web client against a real MessageChannel (Node has one), with a stand-in for the
// page's window: the test plays the desktop's part of the handshake and answers on the port.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { connect, parentOrigin, type PortLike, type WindowLike } from '../src/web.js';
import { PaddockError } from '../src/errors.js';
import { HELLO, PORT, type PortRequest, type PortResponse } from '../src/protocol.js';

const CONSOLE = 'http://127.0.0.1:7070';
const hashFor = (origin: string) => `#paddock-parent=${encodeURIComponent(origin)}`;

type Listener = Parameters<WindowLike['addEventListener']>[1];

interface Desktop {
  win: WindowLike;
  /** Every window.postMessage the app made, with its target origin. */
  posted: { message: unknown; targetOrigin: string }[];
  /** Every request that came over the port. */
  requests: PortRequest[];
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/**
 * A window whose parent answers a hello with a port (from `replyOrigin`, by `replySource`),
 * and answers requests on that port with `answer`.
 */
function desktop(
  answer: (request: PortRequest) => PortResponse | null,
  opts: { hash?: string; replyOrigin?: string; replyFromElsewhere?: boolean } = {},
): Desktop {
  const listeners = new Set<Listener>();
  const posted: Desktop['posted'] = [];
  const requests: PortRequest[] = [];
  const parent = {
    postMessage(message: unknown, targetOrigin: string) {
      posted.push({ message, targetOrigin });
      const channel = new MessageChannel();
      channels.push(channel);
      channel.port1.on('message', (data: unknown) => {
        const request = data as PortRequest;
        requests.push(request);
        const reply = answer(request);
        if (reply) channel.port1.postMessage(reply);
      });
      const source = opts.replyFromElsewhere ? {} : parent;
      for (const l of listeners) {
        l({
          data: { type: PORT },
          origin: opts.replyOrigin ?? CONSOLE,
          source,
          ports: [channel.port2 as unknown as PortLike],
        });
      }
    },
  };
  const win: WindowLike = {
    location: { hash: opts.hash ?? hashFor(CONSOLE) },
    parent,
    addEventListener: (_type, l) => listeners.add(l),
    removeEventListener: (_type, l) => listeners.delete(l),
  };
  return { win, posted, requests };
}

const ok = (id: number, result: unknown): PortResponse => ({ id, ok: true, result });

describe('the web client', () => {
  it('says hello to the console origin exactly, never "*", and names no app', async () => {
    const d = desktop((r) => ok(r.id, { found: true, value: 42 }));
    const client = await connect({ window: d.win });
    assert.deepEqual(d.posted, [{ message: { type: HELLO }, targetOrigin: CONSOLE }]);
    assert.ok(d.posted.every((p) => p.targetOrigin !== '*'));

    const got = await client.kv.get('answer');
    assert.deepEqual(got, { found: true, value: 42 });
    assert.deepEqual(d.requests, [
      { id: 1, type: 'call', method: 'app.kv.get', params: { key: 'answer' } },
    ]);
    client.close();
  });

  it('maps every helper to its broker method and params', async () => {
    const d = desktop((r) =>
      ok(
        r.id,
        r.type === 'call' && r.method === 'app.files.read'
          ? { content_base64: Buffer.from('héllo').toString('base64'), mime: 'text/plain', size: 6 }
          : {},
      ),
    );
    const c = await connect({ window: d.win });
    await c.kv.set('k', { a: 1 });
    await c.kv.delete('k');
    await c.kv.list({ prefix: 'p', limit: 5 });
    await c.table.insert('notes', { title: 't' });
    await c.table.get('notes', 'n1');
    await c.table.query('notes', { where: [{ field: 'title', op: 'eq', value: 't' }] });
    await c.table.update('notes', 'n1', { title: null });
    await c.table.delete('notes', 'n1');
    await c.files.write('a/b.txt', 'héllo', 'text/plain');
    assert.equal(await c.files.readText('a/b.txt'), 'héllo');
    await c.files.list();
    await c.files.delete('a/b.txt');
    await c.notify('Done', 'All good');
    const calls = d.requests.map((r) => (r.type === 'call' ? [r.method, r.params] : r));
    assert.deepEqual(calls, [
      ['app.kv.set', { key: 'k', value: { a: 1 } }],
      ['app.kv.delete', { key: 'k' }],
      ['app.kv.list', { prefix: 'p', limit: 5 }],
      ['app.table.insert', { table: 'notes', doc: { title: 't' } }],
      ['app.table.get', { table: 'notes', id: 'n1' }],
      ['app.table.query', { table: 'notes', where: [{ field: 'title', op: 'eq', value: 't' }] }],
      ['app.table.update', { table: 'notes', id: 'n1', doc: { title: null } }],
      ['app.table.delete', { table: 'notes', id: 'n1' }],
      [
        'app.files.write',
        {
          path: 'a/b.txt',
          content_base64: Buffer.from('héllo').toString('base64'),
          mime: 'text/plain',
        },
      ],
      ['app.files.read', { path: 'a/b.txt' }],
      ['app.files.list', {}],
      ['app.files.delete', { path: 'a/b.txt' }],
      ['app.notify', { title: 'Done', body: 'All good' }],
    ]);
    c.close();
  });

  it('turns a refusal into a PaddockError with its code and details', async () => {
    const details = { capability: 'app.notify', method: 'app.notify', grantable: true };
    const d = desktop((r) => ({
      id: r.id,
      ok: false,
      error: { code: 'capability_required', message: 'app.notify is not granted', details },
    }));
    const c = await connect({ window: d.win });
    const err = await c.notify('hi').then(
      () => assert.fail('refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'capability_required');
    assert.deepEqual(err.details, details);
    assert.deepEqual(err.capabilityRequired, details);
    c.close();
  });

  it('asks for a permission and reads the answer', async () => {
    const d = desktop((r) =>
      r.type === 'permission' ? ok(r.id, { granted: r.capability === 'app.notify' }) : null,
    );
    const c = await connect({ window: d.win });
    assert.equal(await c.requestPermission('app.notify'), true);
    assert.equal(await c.requestPermission('app.llm'), false);
    assert.deepEqual(
      d.requests.map((r) => r),
      [
        { id: 1, type: 'permission', capability: 'app.notify' },
        { id: 2, type: 'permission', capability: 'app.llm' },
      ],
    );
    c.close();
  });

  it('times out a call nobody answers, and ignores answers to ids it did not send', async () => {
    const d = desktop((r) => (r.id === 1 ? ok(999, 'stray') : null));
    const c = await connect({ window: d.win, timeoutMs: 50 });
    await assert.rejects(
      c.kv.get('x'),
      (e: unknown) => e instanceof PaddockError && e.code === 'timeout',
    );
    c.close();
  });

  it('fails calls still waiting when closed, and refuses new ones', async () => {
    const d = desktop(() => null);
    const c = await connect({ window: d.win });
    const waiting = c.kv.get('x');
    c.close();
    await assert.rejects(
      waiting,
      (e: unknown) => e instanceof PaddockError && e.code === 'disconnected',
    );
    await assert.rejects(
      c.kv.get('y'),
      (e: unknown) => e instanceof PaddockError && e.code === 'disconnected',
    );
  });

  it('takes a port only from its parent at the console origin', async () => {
    const wrongOrigin = desktop(() => null, { replyOrigin: 'http://evil.localhost' });
    await assert.rejects(
      connect({ window: wrongOrigin.win, connectTimeoutMs: 50 }),
      (e: unknown) => e instanceof PaddockError && e.code === 'not_in_desktop',
    );
    const otherSource = desktop(() => null, { replyFromElsewhere: true });
    await assert.rejects(
      connect({ window: otherSource.win, connectTimeoutMs: 50 }),
      (e: unknown) => e instanceof PaddockError && e.code === 'not_in_desktop',
    );
  });

  it('refuses to start outside a desktop window', async () => {
    for (const hash of [
      '',
      '#x=1',
      hashFor('http://127.0.0.1:7070/path'),
      hashFor('javascript:1'),
      '#paddock-parent=*',
    ]) {
      const d = desktop(() => null, { hash });
      await assert.rejects(
        connect({ window: d.win }),
        (e: unknown) => e instanceof PaddockError && e.code === 'not_in_desktop',
        hash,
      );
      assert.deepEqual(d.posted, [], 'nothing is posted without a console origin');
    }
    assert.equal(
      parentOrigin(hashFor('https://paddock.example:8443')),
      'https://paddock.example:8443',
    );
  });
});
