/*
 * AgentClient against a fake agent: code inside a sandbox can replace the real one, so the
 * client must survive any answer. Huge bodies are abandoned (the fake server sees its
 * connection closed long before it could send everything), and malformed or server-error
 * answers become agent_error, never internal.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ExecStreamFrame } from '@paddock/shared';
import { AgentClient } from '../src/client/index.js';
import { paddockError } from './harness.js';

const MiB = 1024 * 1024;

const PROCESS = {
  id: 'p1',
  pid: 10,
  command: 'sleep 1',
  status: 'exited',
  started_at: '2024-01-01T00:00:00.000Z',
  ended_at: '2024-01-01T00:00:01.000Z',
  exit_code: 0,
  signal: null,
  state: 'exited',
};
const STAT = {
  path: 'a',
  name: 'a',
  type: 'file',
  size: 12,
  mode: '0644',
  modified_at: '2024-01-01T00:00:00.000Z',
};
const HUGE = 50 * MiB;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Sent {
  /** Bytes handed to the socket before it closed. */
  sent: number;
  /** Whether the whole body went out; false means the client hung up first. */
  finished: boolean;
}

/** Waits until `res` can take more, or has closed. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Answers with `prefix` followed by filler up to `total` bytes, honouring backpressure, and
 * reports how much went out before the connection closed.
 */
function sendHuge(
  res: ServerResponse,
  opts: { status?: number; type: string; prefix: string; total?: number; declare?: boolean },
): Promise<Sent> {
  const total = opts.total ?? HUGE;
  let sent = 0;
  const closed = new Promise<Sent>((resolve) => {
    res.once('close', () => resolve({ sent, finished: res.writableFinished }));
  });
  const headers: Record<string, string | number> = { 'content-type': opts.type };
  if (opts.declare) headers['content-length'] = total;
  res.writeHead(opts.status ?? 200, headers);
  void (async () => {
    let chunk = Buffer.from(opts.prefix);
    const filler = Buffer.alloc(MiB, 'x');
    while (sent < total && !res.destroyed) {
      chunk = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += chunk.length;
      if (!res.write(chunk)) await writable(res);
      chunk = filler;
    }
    if (!res.destroyed) res.end();
  })();
  return closed;
}

function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sse(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.end(text);
}

async function collect(
  stream: AsyncGenerator<ExecStreamFrame, void, undefined>,
): Promise<ExecStreamFrame[]> {
  const frames: ExecStreamFrame[] = [];
  for await (const f of stream) frames.push(f);
  return frames;
}

describe('AgentClient against a misbehaving agent', () => {
  let tmp: string;
  let server: http.Server;
  let raw: net.Server;
  const rawSockets = new Set<net.Socket>();
  let handler: Handler = (_req, res) => reply(res, 404, '');
  let client: AgentClient;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'paddock-fake-agent-'));
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(path.join(tmp, 'agent.sock'), resolve));
    // Not HTTP at all.
    raw = net.createServer((sock) => {
      rawSockets.add(sock);
      sock.on('error', () => {});
      sock.end('garbage, not http\r\n\r\n');
    });
    await new Promise<void>((resolve) => raw.listen(path.join(tmp, 'raw.sock'), resolve));
    client = new AgentClient({ transport: 'unix', socketPath: path.join(tmp, 'agent.sock') });
  });

  after(async () => {
    try {
      client.close();
      server.closeAllConnections();
      for (const sock of rawSockets) sock.destroy();
      await Promise.all([
        new Promise((resolve) => server.close(resolve)),
        new Promise((resolve) => raw.close(resolve)),
      ]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  /** Serves the next request with `serve` and returns what the fake server observed. */
  function next<T>(serve: (req: IncomingMessage, res: ServerResponse) => Promise<T>): Promise<T> {
    return new Promise((resolve) => {
      handler = (req, res) => void serve(req, res).then(resolve);
    });
  }

  test('a 50 MiB JSON answer is abandoned early (no length declared)', async () => {
    const seen = next((_req, res) =>
      sendHuge(res, { type: 'application/json', prefix: '{"ok":true,"pad":"' }),
    );
    const err = await paddockError(client.health());
    assert.equal(err.code, 'agent_error');
    const { sent, finished } = await seen;
    assert.equal(finished, false, 'the client hung up before the end');
    assert.ok(sent < HUGE, `only ${sent} of ${HUGE} bytes were sent`);
  });

  test('a 50 MiB JSON answer is refused from its declared length', async () => {
    const seen = next((_req, res) =>
      sendHuge(res, {
        type: 'application/json',
        prefix: '{"exit_code":0,"stdout":"',
        declare: true,
      }),
    );
    const err = await paddockError(client.exec({ command: 'true' }));
    assert.equal(err.code, 'agent_error');
    const { sent, finished } = await seen;
    assert.equal(finished, false);
    assert.ok(sent < HUGE, `only ${sent} of ${HUGE} bytes were sent`);
  });

  test('a 50 MiB error body is abandoned early', async () => {
    const seen = next((_req, res) =>
      sendHuge(res, {
        status: 400,
        type: 'application/json',
        prefix: '{"error":{"code":"bad_request","message":"',
      }),
    );
    const err = await paddockError(client.stat('a'));
    assert.equal(err.code, 'agent_error');
    const { sent, finished } = await seen;
    assert.equal(finished, false);
    assert.ok(sent < HUGE, `only ${sent} of ${HUGE} bytes were sent`);
  });

  test('a 500 internal answer is agent_error, not internal', async () => {
    handler = (_req, res) => reply(res, 500, '{"error":{"code":"internal","message":"boom"}}');
    const err = await paddockError(client.health());
    assert.equal(err.code, 'agent_error');
    assert.equal(err.status, 502);
    assert.doesNotMatch(err.message, /boom/);
  });

  test('an unknown error code is agent_error', async () => {
    handler = (_req, res) => reply(res, 400, '{"error":{"code":"made_up","message":"x"}}');
    const err = await paddockError(client.stat('a'));
    assert.equal(err.code, 'agent_error');
    assert.doesNotMatch(err.message, /made_up/, 'the sandbox-chosen code is not echoed');
  });

  test('codes outside the agent vocabulary are agent_error, even well-known ones', async () => {
    for (const code of [
      'internal',
      'driver_error',
      'agent_error',
      'insufficient_storage',
      'unauthorized',
      'rate_limited',
      'route_not_found',
      'not_found',
    ]) {
      handler = (_req, res) => reply(res, 400, JSON.stringify({ error: { code, message: 'm' } }));
      assert.equal((await paddockError(client.stat('a'))).code, 'agent_error', code);
    }
    handler = (_req, res) => reply(res, 404, '{"error":{"code":"file_not_found","message":"m"}}');
    assert.equal(
      (await paddockError(client.stat('a'))).code,
      'file_not_found',
      'its own codes pass',
    );
  });

  test('garbage is agent_error', async () => {
    const cases: [number, string, string][] = [
      [200, 'not json{', 'application/json'],
      [200, '[1,2]', 'application/json'],
      [200, '"a string"', 'application/json'],
      [200, 'null', 'application/json'],
      [200, '', 'application/json'],
      [302, '', 'text/plain'],
      [502, 'Bad Gateway', 'text/plain'],
      [500, '', 'text/plain'],
      [503, '{"error":"down"}', 'application/json'],
      [404, '<html>not found</html>', 'text/html'],
      [400, '{"error":{"message":"no code"}}', 'application/json'],
      [400, '{"error":{"code":5}}', 'application/json'],
    ];
    for (const [status, body, type] of cases) {
      handler = (_req, res) => reply(res, status, body, type);
      const err = await paddockError(client.stat('a'));
      assert.equal(err.code, 'agent_error', `${status} ${body}`);
    }
    handler = (_req, res) => reply(res, 200, '{"items":"nope"}');
    assert.equal((await paddockError(client.listProcesses())).code, 'agent_error');
    handler = (_req, res) => reply(res, 200, '{"items":[1]}');
    assert.equal((await paddockError(client.listProcesses())).code, 'agent_error');

    const rawClient = new AgentClient({
      transport: 'unix',
      socketPath: path.join(tmp, 'raw.sock'),
    });
    try {
      assert.equal((await paddockError(rawClient.health())).code, 'agent_error');
    } finally {
      rawClient.close();
    }
  });

  test('objects of the wrong shape are agent_error', async () => {
    const cases: [string, () => Promise<unknown>, unknown][] = [
      ['health', () => client.health(), { ok: true }],
      ['exec', () => client.exec({ command: 'true' }), { exit_code: 0 }],
      ['stat', () => client.stat('a'), { ...STAT, size: '12' }],
      ['list', () => client.listFiles(), { path: '.', entries: [{}], truncated: false }],
      ['process', () => client.getProcess('p1'), { ...PROCESS, pid: 'one' }],
      ['processes', () => client.listProcesses(), { items: [{ ...PROCESS, status: 'zombie' }] }],
      ['output', () => client.processOutput('p1'), { stdout: 1, stderr: '', truncated: false }],
      ['write', () => client.writeFile('a', Buffer.from('x')), { path: 'a' }],
    ];
    for (const [what, call, body] of cases) {
      handler = (req, res) => {
        req.resume();
        reply(res, 200, JSON.stringify(body));
      };
      assert.equal((await paddockError(call())).code, 'agent_error', what);
    }
  });

  test('well-formed errors and answers still pass through', async () => {
    const cases: [number, string, string][] = [
      [404, 'file_not_found', 'no such file or directory: a'],
      [507, 'no_space', 'the workspace disk is full'],
      [503, 'sandbox_unavailable', 'the agent is shutting down'],
      [403, 'path_denied', 'writing to .bashrc is not allowed'],
    ];
    for (const [status, code, message] of cases) {
      handler = (_req, res) => reply(res, status, JSON.stringify({ error: { code, message } }));
      const err = await paddockError(client.stat('a'));
      assert.deepEqual([err.code, err.message], [code, message]);
    }
    handler = (_req, res) => reply(res, 200, JSON.stringify({ items: [PROCESS], extra: 1 }));
    assert.deepEqual(await client.listProcesses(), [PROCESS]);
    handler = (_req, res) => reply(res, 200, JSON.stringify(STAT));
    assert.deepEqual(await client.stat('a'), STAT);
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    await client.deleteFile('a');
  });

  test('an exec stream line that never ends is cut off', async () => {
    const seen = next((_req, res) =>
      sendHuge(res, { type: 'text/event-stream', prefix: 'event: stdout\ndata: {"text":"' }),
    );
    const err = await paddockError(collect(client.execStream({ command: 'true' })));
    assert.equal(err.code, 'agent_error');
    const { sent, finished } = await seen;
    assert.equal(finished, false);
    assert.ok(sent < HUGE, `only ${sent} of ${HUGE} bytes were sent`);
  });

  test('an exec stream frame that never ends is cut off', async () => {
    // Short lines, but no blank line ever completes the frame: its data lines pile up.
    const line = `data: ${'y'.repeat(1000)}\n`;
    const seen = next((_req, res) =>
      sendHuge(res, {
        type: 'text/event-stream',
        prefix: `event: stdout\n${line.repeat(Math.ceil(MiB / line.length))}`,
      }),
    );
    const err = await paddockError(collect(client.execStream({ command: 'true' })));
    assert.equal(err.code, 'agent_error');
    const { sent, finished } = await seen;
    assert.equal(finished, false);
    assert.ok(sent < HUGE, `only ${sent} of ${HUGE} bytes were sent`);
  });

  test('malformed exec streams are agent_error', async () => {
    const bad: [string, (res: ServerResponse) => void][] = [
      ['data not JSON', (res) => sse(res, 'event: stdout\ndata: {nope\n\n')],
      ['stdout text not a string', (res) => sse(res, 'event: stdout\ndata: {"text":5}\n\n')],
      ['start pid missing', (res) => sse(res, 'event: start\ndata: {}\n\n')],
      ['exit data not an object', (res) => sse(res, 'event: exit\ndata: 0\n\n')],
      ['exit state unknown', (res) => sse(res, 'event: exit\ndata: {"exit_code":0}\n\n')],
      ['JSON instead of a stream', (res) => reply(res, 200, '{"exit_code":0}')],
      ['an error answer with an unknown code', (res) => reply(res, 400, '{"error":{"code":"x"}}')],
    ];
    for (const [what, serve] of bad) {
      handler = (_req, res) => serve(res);
      const err = await paddockError(collect(client.execStream({ command: 'true' })));
      assert.equal(err.code, 'agent_error', what);
    }
  });

  test('an error frame is passed on only with a code that may pass', async () => {
    handler = (_req, res) =>
      sse(res, 'event: error\ndata: {"code":"made_up","message":"sandbox says hi"}\n\n');
    const frames = await collect(client.execStream({ command: 'true' }));
    assert.equal(frames.length, 1);
    const frame = frames[0] as ExecStreamFrame & { event: 'error' };
    assert.equal(frame.event, 'error');
    assert.equal(frame.data.code, 'agent_error');

    handler = (_req, res) =>
      sse(
        res,
        'event: error\ndata: {"code":"no_space","message":"the workspace disk is full"}\n\n',
      );
    assert.deepEqual(await collect(client.execStream({ command: 'true' })), [
      { event: 'error', data: { code: 'no_space', message: 'the workspace disk is full' } },
    ]);
  });

  test('a well-formed exec stream still passes through', async () => {
    const exit = {
      exit_code: 0,
      signal: null,
      stdout_truncated: false,
      stderr_truncated: false,
      duration_ms: 1.5,
      state: 'exited',
    };
    const big = 'z'.repeat(200_000);
    handler = (_req, res) =>
      sse(
        res,
        'event: start\ndata: {"pid":42}\n\n' +
          `event: stdout\ndata: ${JSON.stringify({ text: big })}\n\n` +
          `event: exit\ndata: ${JSON.stringify(exit)}\n\n`,
      );
    assert.deepEqual(await collect(client.execStream({ command: 'true' })), [
      { event: 'start', data: { pid: 42 } },
      { event: 'stdout', data: { text: big } },
      { event: 'exit', data: exit },
    ]);
  });

  test('a file read without a valid content-length is agent_error', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('bytes of unknown length');
    };
    assert.equal((await paddockError(client.readFile('a'))).code, 'agent_error');

    handler = (_req, res) => reply(res, 200, 'exact', 'application/octet-stream');
    const file = await client.readFile('a');
    assert.equal(file.size, 5);
    file.stream.resume();
  });
});

describe('AgentClient against an agent that never answers', () => {
  let tmp: string;
  let server: http.Server;
  const upgraded = new Set<net.Socket>();

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'paddock-silent-agent-'));
    // Takes every request and never answers, an upgrade included; for `stuck` it sends an error
    // answer's head and the start of its body, then nothing.
    server = http.createServer((req, res) => {
      if (!req.url?.includes('stuck')) return;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.write('{"error":');
    });
    server.on('upgrade', (_req, socket: net.Socket) => upgraded.add(socket));
    await new Promise<void>((resolve) => server.listen(path.join(tmp, 'agent.sock'), resolve));
  });

  after(async () => {
    server.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  test('each call fails with sandbox_unavailable at its answer deadline', async () => {
    const client = new AgentClient(
      { transport: 'unix', socketPath: path.join(tmp, 'agent.sock') },
      { answerTimeoutMs: 200 },
    );
    try {
      const calls: [string, Promise<unknown>][] = [
        ['stat', client.stat('a')],
        ['stat, stuck error body', client.stat('stuck')],
        ['read, stuck error body', client.readFile('stuck')],
        ['timed exec', client.exec({ command: 'true', timeout_ms: 50 })],
        ['read', client.readFile('a')],
        ['write', client.writeFile('a', Buffer.from('x'))],
        ['pty', client.openPty({ cols: 80, rows: 24 })],
        ['stream', client.execStream({ command: 'true' }).next()],
      ];
      const errors = await Promise.all(calls.map(([, call]) => paddockError(call)));
      for (const [i, err] of errors.entries()) {
        assert.equal(err.code, 'sandbox_unavailable', `${calls[i]![0]}: ${err.message}`);
      }
    } finally {
      client.close();
    }
  });
});

describe('AgentClient on a kept-alive connection the agent has just closed', () => {
  let tmp: string;
  let server: http.Server;
  let requests = 0;
  const connections = new Set<net.Socket>();

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'paddock-stale-agent-'));
    // Answers the first request of each connection; a second one on the same connection finds
    // it reset unread, as when the agent's idle timeout closes it just as the daemon reuses it.
    server = http.createServer((req, res) => {
      requests++;
      if ((req.socket as net.Socket & { served?: boolean }).served) {
        req.socket.destroy();
        return;
      }
      (req.socket as net.Socket & { served?: boolean }).served = true;
      reply(res, 200, JSON.stringify(STAT), 'application/json');
    });
    server.on('connection', (socket: net.Socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(path.join(tmp, 'agent.sock'), resolve));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  test('a call that can be sent again is, on a new connection; a streamed upload is not', async () => {
    const client = new AgentClient({ transport: 'unix', socketPath: path.join(tmp, 'agent.sock') });
    try {
      assert.deepEqual(await client.stat('a'), STAT);
      assert.deepEqual(await client.stat('a'), STAT, 'the reset reused connection is retried');
      assert.deepEqual([requests, connections.size], [3, 2]);
      const upload = client.writeFile('b', Readable.from([Buffer.from('x')]));
      assert.equal((await paddockError(upload)).code, 'sandbox_unavailable');
    } finally {
      client.close();
    }
  });
});
