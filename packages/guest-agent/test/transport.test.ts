import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '../src/client/index.js';

const AGENT = fileURLToPath(new URL('../dist/agent.mjs', import.meta.url));

describe('transport', () => {
  // The Kubernetes driver will reach agents over a pod's TCP port: the same protocol must work.
  test('serves the same protocol over TCP as over a unix socket', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'paddock-agent-tcp-'));
    const proc = spawn(process.execPath, [AGENT, '--listen', '127.0.0.1:0', '--workspace', tmp], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(proc, 'exit');
    try {
      const [line] = (await once(proc.stdout!, 'data')) as [Buffer];
      const ready = JSON.parse(line.toString().split('\n')[0]!) as { listen: string };
      const port = Number(ready.listen.split(':').pop());
      assert.ok(port > 0);
      const client = new AgentClient({ transport: 'tcp', host: '127.0.0.1', port });
      try {
        assert.equal((await client.health()).ok, true);
        const r = await client.exec({ command: 'echo over-tcp; pwd' });
        assert.equal(r.stdout, `over-tcp\n${tmp}\n`);
        await client.writeFile('a.txt', Buffer.from('tcp bytes'));
        const file = await client.readFile('a.txt');
        const chunks: Buffer[] = [];
        for await (const c of file.stream) chunks.push(c as Buffer);
        assert.equal(Buffer.concat(chunks).toString(), 'tcp bytes');
        const frames = [];
        for await (const f of client.execStream({ command: 'echo streamed' })) frames.push(f.event);
        assert.deepEqual(frames, ['start', 'stdout', 'exit']);
      } finally {
        client.close();
      }
    } finally {
      proc.kill('SIGTERM');
      await exited;
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
