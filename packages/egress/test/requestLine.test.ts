import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { RequestLine } from '../src/requestLine.js';

/** A server whose handler answers nothing until told; the requests it has begun, in order. */
async function heldServer(): Promise<{
  port: number;
  begun: string[];
  held: ServerResponse[];
  close: () => void;
}> {
  const begun: string[] = [];
  const held: ServerResponse[] = [];
  const line = new RequestLine((req, res) => {
    begun.push(req.url ?? '');
    held.push(res);
  });
  const server = http.createServer(line.enter);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, begun, held, close: () => server.close() };
}

function pipelined(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += `GET /${i} HTTP/1.1\r\nhost: x\r\n\r\n`;
  return out;
}

describe('one connection’s requests, one at a time', { timeout: 10_000 }, () => {
  it('begins the next request only once the one before is answered', async () => {
    const s = await heldServer();
    const socket = net.connect(s.port, '127.0.0.1', () => socket.write(pipelined(3)));
    const answers: Buffer[] = [];
    socket.on('data', (c: Buffer) => answers.push(c));
    try {
      await waitUntil(() => s.begun.length === 1);
      assert.deepEqual(s.begun, ['/0']);
      s.held[0]!.end('zero');
      await waitUntil(() => s.begun.length === 2);
      s.held[1]!.end('one');
      await waitUntil(() => s.begun.length === 3);
      assert.deepEqual(s.begun, ['/0', '/1', '/2']);
    } finally {
      socket.destroy();
      s.close();
    }
  });

  it('cuts a connection that pipelines more than it may have waiting', async () => {
    const s = await heldServer();
    const socket = net.connect(s.port, '127.0.0.1', () => socket.write(pipelined(40)));
    socket.on('error', () => undefined);
    try {
      await new Promise((resolve) => socket.once('close', resolve));
      // Only the first ever began: the rest waited behind it until the line was cut.
      assert.deepEqual(s.begun, ['/0']);
    } finally {
      s.close();
    }
  });
});

/** Polls `done` on each turn of the event loop (no timing assumptions beyond eventual progress). */
async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}
