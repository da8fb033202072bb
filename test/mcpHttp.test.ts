/**
 * Who may use the MCP server (issue 18): an agent key only, over both transports; /mcp is behind
 * the daemon's auth, its Host check (421) and an Origin check (403) against DNS rebinding.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { before, describe, it } from 'node:test';
import { NOT_AN_AGENT } from '@paddock/mcp';
import { CLI, suiteDaemon } from './harness.js';
import { connectHttp } from './mcpClient.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

interface RawAnswer {
  status: number;
  body: string;
}

/** A request to /mcp with exactly these headers (fetch would not let a test set Host). */
function postMcp(
  url: string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<RawAnswer> {
  const target = new URL(`${url}/mcp`);
  const payload = method === 'POST' ? JSON.stringify(INITIALIZE) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method,
        agent: false,
        headers: {
          host: target.host,
          accept: 'application/json, text/event-stream',
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const codeOf = (a: RawAnswer) => (JSON.parse(a.body) as { error: { code: string } }).error.code;

/** `paddock mcp` with a token: its exit code and what it said on stderr (stdin stays open). */
function stdioWith(url: string, token: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'mcp'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PADDOCK_URL: url, PADDOCK_TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      assert.equal(stdout, '', 'nothing but the protocol on stdout');
      resolve({ code, stderr });
    });
  });
}

describe('MCP server: who may use it', () => {
  const d = suiteDaemon();
  let agentToken: string;
  let userToken: string;

  before(async () => {
    const agent = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'agent',
      role: 'agent',
    });
    const user = await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'person' });
    agentToken = agent.body.token;
    userToken = user.body.token;
  });

  it('answers an agent key, from no Origin or the daemon’s own', async () => {
    const plain = await postMcp(d.url, { authorization: `Bearer ${agentToken}` });
    assert.equal(plain.status, 200, plain.body);
    assert.match(plain.body, /"serverInfo":\{"name":"paddock"/);
    const own = await postMcp(d.url, {
      authorization: `Bearer ${agentToken}`,
      origin: d.url,
    });
    assert.equal(own.status, 200, own.body);
  });

  it('refuses a request without a token (401), also to the official client', async () => {
    const bare = await postMcp(d.url, {});
    assert.equal(bare.status, 401);
    assert.equal(codeOf(bare), 'unauthorized');
    await assert.rejects(connectHttp(d.url, 'not-a-key'), /401|unauthorized|Unauthorized/);
  });

  it('refuses a key that is not an agent’s (403) and says to create an agent key', async () => {
    for (const token of [userToken, d.token]) {
      const refused = await postMcp(d.url, { authorization: `Bearer ${token}` });
      assert.equal(refused.status, 403);
      const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'forbidden');
      assert.equal(body.error.message, NOT_AN_AGENT);
    }
  });

  it('refuses a console session: the MCP server needs a bearer token to act with', async () => {
    const signIn = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: agentToken }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';', 1)[0]!;
    const refused = await postMcp(d.url, { cookie, 'x-paddock-csrf': '1' });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /bearer token/);
  });

  it('refuses a foreign Origin (403) and a foreign Host (421), DNS rebinding’s two faces', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1']) {
      const refused = await postMcp(d.url, { authorization: `Bearer ${agentToken}`, origin });
      assert.equal(refused.status, 403, origin);
      assert.equal(codeOf(refused), 'forbidden');
      assert.match(refused.body, /not one of the daemon's own/);
    }
    const port = new URL(d.url).port;
    const rebound = await postMcp(d.url, {
      authorization: `Bearer ${agentToken}`,
      host: `evil.example:${port}`,
    });
    assert.equal(rebound.status, 421);
    assert.equal(codeOf(rebound), 'host_not_allowed');
  });

  it('has no sessions: GET and DELETE on /mcp answer 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const answer = await postMcp(d.url, { authorization: `Bearer ${agentToken}` }, method);
      assert.equal(answer.status, 405, method);
      assert.equal(codeOf(answer), 'method_not_allowed');
    }
  });

  it('stdio: a key that is not an agent’s, or no valid key, exits 2 with the reason on stderr', async () => {
    const user = await stdioWith(d.url, userToken);
    assert.equal(user.code, 2);
    assert.equal(user.stderr, `paddock mcp: ${NOT_AN_AGENT}\n`);
    const bad = await stdioWith(d.url, 'not-a-key');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^paddock mcp: unauthorized: /);
  });
});
