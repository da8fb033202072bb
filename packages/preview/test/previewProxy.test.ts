import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import {
  createPreviewAwareServer,
  PREVIEW_COOKIE,
  PREVIEW_TOKEN_PARAM,
  PreviewAddress,
  PreviewProxy,
  PreviewTokens,
  type PreviewSandbox,
  type PreviewSandboxes,
} from '../src/index.js';

/**
 * The daemon's side of the proxy, kept in memory: sandboxes in a map, ports reached on this
 * host's loopback (a sandbox's port N is 127.0.0.1:N here). Changes tell the proxy, as the
 * daemon's lifecycle does.
 */
class TestSandboxes implements PreviewSandboxes {
  readonly rows = new Map<string, PreviewSandbox>();
  readonly publicApps = new Set<string>();
  readonly waking = new Set<string>();
  readonly wakes: string[] = [];
  readonly touched = new Set<string>();
  webStarting = false;
  changed: (id: string) => void = () => undefined;

  add(row: Partial<PreviewSandbox> & { id: string }): PreviewSandbox {
    const full: PreviewSandbox = {
      owner_id: 'owner',
      status: 'running',
      status_reason: null,
      app_id: null,
      web_port: null,
      preview_epoch: 1,
      ...row,
    };
    this.rows.set(row.id, full);
    return full;
  }

  update(id: string, patch: Partial<PreviewSandbox>): void {
    this.rows.set(id, { ...this.rows.get(id)!, ...patch });
    this.changed(id);
  }

  async find(id: string): Promise<PreviewSandbox | undefined> {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async isAppPublic(appId: string): Promise<boolean> {
    return this.publicApps.has(appId);
  }

  wake(sandbox: PreviewSandbox): number {
    this.wakes.push(sandbox.id);
    this.waking.add(sandbox.id);
    this.update(sandbox.id, { status: 'starting' });
    return sandbox.preview_epoch + 1;
  }

  /** What the daemon's start does when a wake completes. */
  finishWake(id: string): void {
    this.waking.delete(id);
    this.update(id, { status: 'running', preview_epoch: this.rows.get(id)!.preview_epoch + 1 });
  }

  isWaking(id: string): boolean {
    return this.waking.has(id);
  }

  async touch(id: string): Promise<void> {
    this.touched.add(id);
  }

  openPort(_sandbox: PreviewSandbox, port: number, signal?: AbortSignal): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', signal });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'ECONNREFUSED'
            ? new PaddockError('port_unreachable', 'nothing listens on that port')
            : err,
        );
      });
    });
  }

  async isWebStarting(): Promise<boolean> {
    return this.webStarting;
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Reads a raw socket's bytes until a marker arrives (what came after it stays for the next). */
class SocketReader {
  private buf = '';
  private wanted: { marker: string; resolve: (text: string) => void } | null = null;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    // A reset shows as the close below, which fails the wait.
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      this.check();
    });
  }

  until(marker: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.wanted = { marker, resolve };
      this.socket.once('close', () => reject(new Error(`closed before ${JSON.stringify(marker)}`)));
      this.check();
    });
  }

  private check(): void {
    if (!this.wanted) return;
    const at = this.buf.indexOf(this.wanted.marker);
    if (at < 0) return;
    const end = at + this.wanted.marker.length;
    const text = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    const { resolve } = this.wanted;
    this.wanted = null;
    resolve(text);
  }
}

const idOf = (name: string): string => `sb${name.padEnd(26, '0')}`;

describe('the preview proxy on loopback', () => {
  // The app in the sandbox: a page that shows the cookies it got, a body echo, and an upgrade
  // that greets, then echoes what it receives in upper case.
  const app = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`app ${req.method} ${req.url} cookie=${req.headers.cookie ?? ''} body=${body}`);
    });
  });
  app.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n' +
        `hello ${req.headers.cookie ?? ''}|`,
    );
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('latin1').toUpperCase()));
  });
  // Not a preview host: the daemon's own API.
  const api: http.RequestListener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('api');
  };
  const sandboxes = new TestSandboxes();
  const tokens = new PreviewTokens('test secret');
  const address = new PreviewAddress('http://preview.localhost:7070');
  const warnings: Record<string, unknown>[] = [];
  const proxy = new PreviewProxy({
    address: () => address,
    tokens,
    sandboxes,
    log: { warn: (fields) => void warnings.push(fields) },
  });
  sandboxes.changed = (id) => proxy.invalidate(id);
  const server = createPreviewAwareServer(api, proxy);
  const sockets = new Set<net.Socket>();
  for (const listener of [app, server]) {
    listener.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  let appPort = 0;
  let closedPort = 0;

  const hostOf = (id: string, port = appPort): string =>
    `${port}-${id}.preview.localhost:${(server.address() as net.AddressInfo).port}`;

  const request = (
    host: string,
    path: string,
    opts: {
      cookie?: string;
      method?: string;
      body?: string;
      headers?: http.OutgoingHttpHeaders;
    } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: (server.address() as net.AddressInfo).port,
          method: opts.method ?? 'GET',
          path,
          agent: false,
          headers: {
            host,
            ...(opts.cookie === undefined ? {} : { cookie: opts.cookie }),
            ...opts.headers,
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });

  const link = async (id: string, port = appPort, epoch = 1): Promise<string> =>
    (await tokens.issue('link', { sandboxId: id, port, epoch })).token;
  const cookieFor = async (id: string, port = appPort, epoch = 1): Promise<string> =>
    `${PREVIEW_COOKIE}=${(await tokens.issue('cookie', { sandboxId: id, port, epoch })).token}`;
  /** The `name=value` of a Set-Cookie answer. */
  const cookieOf = (answer: Answer): string => {
    const set = answer.headers['set-cookie']?.[0];
    assert.ok(set, 'a Set-Cookie header');
    return set.split(';', 1)[0]!;
  };

  const connect = async (): Promise<SocketReader> => {
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    return new SocketReader(socket);
  };
  const upgradeHead = (host: string, cookie?: string): string =>
    `GET /ws HTTP/1.1\r\nHost: ${host}\r\n` +
    (cookie === undefined ? '' : `Cookie: ${cookie}\r\n`) +
    'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n';

  before(async () => {
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as net.AddressInfo).port;
    const spare = net.createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    closedPort = (spare.address() as net.AddressInfo).port;
    await new Promise((r) => spare.close(r));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    proxy.close();
    // Upgraded and tunnelled connections are no longer the HTTP servers' to close.
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
    await new Promise((r) => app.close(r));
  });
  beforeEach(() => {
    sandboxes.webStarting = false;
  });

  it('leaves requests for other hosts to the handler behind it', async () => {
    const answer = await request('127.0.0.1', '/v1/health');
    assert.deepEqual([answer.status, answer.body], [200, 'api']);
    const reader = await connect();
    reader.socket.write(upgradeHead('localhost'));
    assert.match(await reader.until('\r\n\r\n'), /^HTTP\/1\.1 404 /);
  });

  it('answers a host of no sandbox with its own 404 page', async () => {
    const answer = await request(hostOf(idOf('missing')), '/');
    assert.equal(answer.status, 404);
    assert.equal(answer.headers['x-paddock-preview'], 'refused');
    assert.match(answer.body, /No such preview/);
  });

  it('refuses a private preview without a valid link or cookie, with its 401 page', async () => {
    const id = idOf('private');
    sandboxes.add({ id });
    const refusals = [
      await request(hostOf(id), '/'),
      await request(hostOf(id), `/?${PREVIEW_TOKEN_PARAM}=${await link(id, appPort, 2)}`),
      await request(hostOf(id), `/?${PREVIEW_TOKEN_PARAM}=${await link(idOf('other'))}`),
      await request(hostOf(id), '/', { cookie: await cookieFor(id, appPort, 0) }),
      await request(hostOf(id), '/', { cookie: await cookieFor(id, appPort + 1) }),
      // A link is not a cookie.
      await request(hostOf(id), '/', { cookie: `${PREVIEW_COOKIE}=${await link(id)}` }),
    ];
    for (const [i, answer] of refusals.entries()) {
      assert.equal(answer.status, 401, `refusal ${i}`);
      assert.equal(answer.headers['x-paddock-preview'], 'refused');
      assert.equal(answer.headers['set-cookie'], undefined);
      assert.match(answer.body, /Preview link required/);
      assert.doesNotMatch(answer.body, /^app /);
    }
    const reader = await connect();
    reader.socket.write(upgradeHead(hostOf(id)));
    assert.match(await reader.until('\r\n\r\n'), /^HTTP\/1\.1 401 /);
    assert.deepEqual(sandboxes.wakes, []);
  });

  it('exchanges a signed link for a cookie, then forwards with the cookie', async () => {
    const id = idOf('linked');
    sandboxes.add({ id });
    const exchanged = await request(
      hostOf(id),
      `/page?a=1&${PREVIEW_TOKEN_PARAM}=${await link(id)}`,
    );
    assert.equal(exchanged.status, 302);
    // The token leaves the address bar; nothing else of the address changes.
    assert.equal(exchanged.headers.location, '/page?a=1');
    const setCookie = exchanged.headers['set-cookie']?.[0] ?? '';
    assert.match(
      setCookie,
      new RegExp(`^${PREVIEW_COOKIE}=[^;]+; Path=/; HttpOnly; Max-Age=\\d+;`),
    );
    // A *.localhost preview counts as secure, so the cookie also works in the console's iframe.
    assert.match(setCookie, /SameSite=None; Secure; Partitioned$/);
    assert.doesNotMatch(setCookie, /Domain=/i);

    const cookie = cookieOf(exchanged);
    // The first request on a connection goes through a tunnel...
    const page = await request(hostOf(id), '/page?a=1', { cookie: `theme=dark; ${cookie}` });
    assert.deepEqual([page.status, page.body], [200, 'app GET /page?a=1 cookie=theme=dark body=']);
    // ...a chunked upload through the HTTP proxy; both keep Paddock's cookie from the app.
    const upload = await request(hostOf(id), '/upload', {
      method: 'POST',
      cookie: `${cookie}; theme=dark`,
      body: 'sent in chunks',
      headers: { 'transfer-encoding': 'chunked' },
    });
    assert.deepEqual(
      [upload.status, upload.body],
      [200, 'app POST /upload cookie=theme=dark body=sent in chunks'],
    );
    assert.ok(sandboxes.touched.has(id), 'preview traffic counts as activity');

    // A rotation (a new epoch) ends the cookie.
    sandboxes.update(id, { preview_epoch: 2 });
    assert.equal((await request(hostOf(id), '/', { cookie })).status, 401);
  });

  it('serves a public app’s web port without a token, and only that port', async () => {
    const id = idOf('public');
    sandboxes.publicApps.add('app1');
    sandboxes.add({ id, app_id: 'app1', web_port: appPort });
    const page = await request(hostOf(id), '/');
    assert.deepEqual([page.status, page.body], [200, 'app GET / cookie= body=']);
    assert.equal((await request(hostOf(id, appPort + 1), '/')).status, 401);
    // Made private: the next request needs a link again.
    sandboxes.publicApps.delete('app1');
    sandboxes.changed(id);
    assert.equal((await request(hostOf(id), '/')).status, 401);
  });

  it('wakes a stopped sandbox: the warming page until it runs, then the app', async () => {
    const id = idOf('sleepy');
    sandboxes.add({ id, status: 'stopped', preview_epoch: 3 });
    const exchanged = await request(
      hostOf(id),
      `/?${PREVIEW_TOKEN_PARAM}=${await link(id, appPort, 3)}`,
    );
    assert.equal(exchanged.status, 302);
    assert.deepEqual(sandboxes.wakes, [id]);
    // The cookie names the epoch the start is about to set, and works while it is under way.
    const cookie = cookieOf(exchanged);
    const warming = await request(hostOf(id), '/', { cookie });
    assert.equal(warming.status, 503);
    assert.equal(warming.headers['retry-after'], '2');
    assert.equal(warming.headers['x-paddock-preview'], 'waiting');
    assert.equal(warming.headers['cache-control'], 'no-store');
    assert.match(warming.body, /<meta http-equiv="refresh" content="2">/);
    assert.match(warming.body, /The sandbox is starting/);
    assert.deepEqual(sandboxes.wakes, [id], 'a request during the wake does not wake again');

    sandboxes.finishWake(id);
    const page = await request(hostOf(id), '/', { cookie });
    assert.deepEqual([page.status, page.body], [200, 'app GET / cookie= body=']);
  });

  it('wakes a stopped sandbox on a plain visit with a valid cookie', async () => {
    const id = idOf('napping');
    sandboxes.add({ id, status: 'stopped', preview_epoch: 5 });
    const warming = await request(hostOf(id), '/', { cookie: await cookieFor(id, appPort, 5) });
    assert.equal(warming.status, 503);
    assert.equal(warming.headers['x-paddock-preview'], 'waiting');
    assert.deepEqual(
      sandboxes.wakes.filter((w) => w === id),
      [id],
    );
    // The old cookie's epoch ends with the start; the waker gets the next one's.
    assert.ok(sandboxes.isWaking(id));
    sandboxes.finishWake(id);
    const page = await request(hostOf(id), '/', { cookie: cookieOf(warming) });
    assert.equal(page.status, 200);
  });

  it('does not wake a failed sandbox, and says why', async () => {
    const id = idOf('failed');
    sandboxes.add({ id, status: 'failed', status_reason: 'Out of memory' });
    const answer = await request(hostOf(id), '/', { cookie: await cookieFor(id) });
    assert.equal(answer.status, 502);
    assert.match(answer.body, /Out of memory/);
    assert.ok(!sandboxes.wakes.includes(id));
  });

  it('tells a port nobody listens on from a web process still starting', async () => {
    const id = idOf('quiet');
    sandboxes.add({ id });
    const cookie = await cookieFor(id, closedPort);
    const nothing = await request(hostOf(id, closedPort), '/', { cookie });
    assert.equal(nothing.status, 502);
    assert.match(nothing.body, new RegExp(`listens on port ${closedPort}`));
    sandboxes.webStarting = true;
    const starting = await request(hostOf(id, closedPort), '/', { cookie });
    assert.equal(starting.status, 503);
    assert.match(starting.body, /The app is starting/);
    assert.deepEqual(warnings, [], 'nothing listening is not worth a warning');
  });

  it('tunnels an upgrade both ways, first on a new connection', async () => {
    const id = idOf('socket');
    sandboxes.add({ id });
    const reader = await connect();
    reader.socket.write(upgradeHead(hostOf(id), `a=1; ${await cookieFor(id)}`));
    assert.match(await reader.until('\r\n\r\n'), /^HTTP\/1\.1 101 /);
    // App → client, without Paddock's cookie; then client → app → client.
    assert.equal(await reader.until('|'), 'hello a=1|');
    reader.socket.write('ping');
    assert.equal(await reader.until('PING'), 'PING');
    reader.socket.write('again');
    assert.equal(await reader.until('AGAIN'), 'AGAIN');
    reader.socket.destroy();
  });

  it('hands upgrades for other hosts to the listener it is given, and still previews to the proxy', async () => {
    const seen: string[] = [];
    const both = createPreviewAwareServer(api, proxy, (req, socket) => {
      seen.push(req.headers.host ?? '');
      socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\nfrom-api');
    });
    await new Promise<void>((r) => both.listen(0, '127.0.0.1', r));
    const port = (both.address() as net.AddressInfo).port;
    const connectBoth = async (): Promise<SocketReader> => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      return new SocketReader(socket);
    };
    try {
      const api = await connectBoth();
      api.socket.write(upgradeHead('127.0.0.1'));
      assert.match(await api.until('from-api'), /^HTTP\/1\.1 101 /);
      assert.deepEqual(seen, ['127.0.0.1']);
      const id = idOf('besideapi');
      sandboxes.add({ id });
      const preview = await connectBoth();
      preview.socket.write(upgradeHead(hostOf(id), `a=1; ${await cookieFor(id)}`));
      assert.match(await preview.until('\r\n\r\n'), /^HTTP\/1\.1 101 /);
      assert.equal(await preview.until('|'), 'hello a=1|');
      assert.deepEqual(seen, ['127.0.0.1'], 'the preview upgrade is not the listener’s');
      preview.socket.destroy();
      api.socket.destroy();
    } finally {
      both.closeAllConnections();
      await new Promise((r) => both.close(r));
    }
  });

  it('tunnels an upgrade both ways after a link exchange on the same connection', async () => {
    const id = idOf('hmr');
    sandboxes.add({ id });
    const reader = await connect();
    reader.socket.write(
      `GET /?${PREVIEW_TOKEN_PARAM}=${await link(id)} HTTP/1.1\r\nHost: ${hostOf(id)}\r\n\r\n`,
    );
    const redirect = await reader.until('\r\n\r\n');
    assert.match(redirect, /^HTTP\/1\.1 302 /);
    // An empty body; chunked, it still has its last chunk to read.
    if (/transfer-encoding: chunked/i.test(redirect)) await reader.until('0\r\n\r\n');
    const cookie = /set-cookie: ([^;]+);/i.exec(redirect)?.[1];
    assert.ok(cookie);
    // The same keep-alive connection now carries an upgrade: the HTTP server's path.
    reader.socket.write(upgradeHead(hostOf(id), cookie));
    assert.match(await reader.until('\r\n\r\n'), /^HTTP\/1\.1 101 /);
    assert.equal(await reader.until('|'), 'hello |');
    reader.socket.write('hot update');
    assert.equal(await reader.until('HOT UPDATE'), 'HOT UPDATE');
    reader.socket.destroy();
  });
});
