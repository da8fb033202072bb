import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, type TestDaemon } from './harness.js';

interface ExecResult {
  exit_code: number | null;
  stdout: string;
  stderr: string;
  state: string;
}

describe('sandbox isolation (real bubblewrap, cgroups and loop-mounted workspaces)', () => {
  let d: TestDaemon;
  let a: string;
  let b: string;
  const sh = async (id: string, command: string, timeout_ms = 30_000) => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, {
      command,
      timeout_ms,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    d = await startDaemon();
    const limits = { memory_mb: 192, pids: 64, disk_mb: 32 };
    a = (await d.api<{ id: string }>('POST', '/v1/sandboxes', { limits })).body.id;
    b = (await d.api<{ id: string }>('POST', '/v1/sandboxes', { limits })).body.id;
    assert.ok(a && b);
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
  });

  it('runs as an unprivileged uid of its own with no capabilities and no new privileges', async () => {
    const idA = (await sh(a, 'id -u')).stdout.trim();
    const idB = (await sh(b, 'id -u')).stdout.trim();
    assert.notEqual(idA, '0');
    assert.notEqual(idA, idB, 'each sandbox has its own uid');
    const status = (await sh(a, 'cat /proc/self/status')).stdout;
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
      assert.match(status, new RegExp(`${cap}:\\s+0000000000000000`), cap);
    }
    assert.match(status, /NoNewPrivs:\s+1/);
    const nested = await sh(a, 'unshare -U true 2>&1; echo "rc=$?"');
    assert.doesNotMatch(nested.stdout, /rc=0/, 'no nested user namespaces');
    const setuid = await sh(a, 'su -c true root </dev/null 2>&1; echo "rc=$?"');
    assert.doesNotMatch(setuid.stdout, /rc=0/);
  });

  it('hides host secrets and the data dir, and keeps system directories read-only', async () => {
    const probe = await sh(
      a,
      [
        'for p in /root /home /etc/shadow /etc/gshadow /etc/ssh/ssh_host_rsa_key /var/lib ' +
          d.dataDir +
          '; do',
        '  if [ -d "$p" ]; then ls -A "$p" 2>/dev/null | grep -q . && echo "VISIBLE $p";',
        '  else cat "$p" 2>/dev/null | grep -q . && echo "VISIBLE $p"; fi',
        'done',
        'touch /usr/paddock-probe 2>/dev/null && echo WROTE-USR',
        'touch /etc/paddock-probe 2>/dev/null && echo WROTE-ETC',
        'echo done',
      ].join('\n'),
    );
    assert.equal(probe.stdout, 'done\n', probe.stdout);
    const env = (await sh(a, 'env')).stdout;
    assert.doesNotMatch(
      env,
      /PADDOCK_ADMIN_TOKEN|test-admin-/,
      "the daemon's environment never reaches a sandbox",
    );
  });

  it("cannot reach another sandbox's files", async () => {
    await sh(a, 'echo only-in-a > private.txt');
    const fromB = await sh(b, 'cat /workspace/private.txt 2>&1; ls / ; cat /proc/mounts');
    assert.doesNotMatch(fromB.stdout, /only-in-a/);
    assert.doesNotMatch(fromB.stdout, new RegExp(a), "a's id appears nowhere in b's view");
  });

  it('has no network but its own loopback: a TCP server on the host loopback is unreachable', async () => {
    const server = net.createServer((s) => s.end('HOST-SERVER\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const devs = (
        await sh(a, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
      ).stdout.trim();
      assert.equal(devs, 'lo');
      const daemonPort = new URL(d.url).port;
      for (const p of [port, Number(daemonPort)]) {
        const out = await sh(
          a,
          `node -e "require('net').connect(${p},'127.0.0.1').on('data',d=>process.stdout.write(d)).on('error',e=>console.log(e.code))"`,
        );
        assert.doesNotMatch(out.stdout, /HOST-SERVER|HTTP/);
        assert.match(out.stdout, /ECONNREFUSED/);
      }
    } finally {
      server.close();
    }
  });

  it('contains a fork bomb while the daemon keeps answering', async () => {
    const bomb = d.api<ExecResult>('POST', `/v1/sandboxes/${a}/exec`, {
      command: 'bomb() { bomb | bomb & }; bomb; sleep 2; cat /proc/[0-9]*/comm 2>/dev/null | wc -l',
      timeout_ms: 6_000,
    });
    for (let i = 0; i < 5; i++) {
      assert.equal((await d.api('GET', '/healthz', undefined, '')).status, 200);
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await bomb;
    assert.equal(res.status, 200);
    assert.equal((await d.api('GET', '/v1/sandboxes')).status, 200);
    // Once the bomb's group is gone, the sandbox is usable again.
    let alive = '';
    for (let i = 0; i < 50 && alive !== 'ok\n'; i++) {
      alive =
        (await d.api<ExecResult>('POST', `/v1/sandboxes/${a}/exec`, { command: 'echo ok' })).body
          .stdout ?? '';
      if (alive !== 'ok\n') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(alive, 'ok\n');
  });

  it('contains a memory bomb while the daemon keeps answering', async () => {
    const bomb = d.api<ExecResult>('POST', `/v1/sandboxes/${b}/exec`, {
      command: 'node -e "const a=[]; for(;;) a.push(Buffer.alloc(8<<20, 1))"',
      timeout_ms: 60_000,
    });
    assert.equal((await d.api('GET', '/healthz', undefined, '')).status, 200);
    const res = await bomb;
    assert.equal(res.body.state, 'oom');
    assert.equal((await sh(b, 'echo still-here')).stdout, 'still-here\n');
  });

  it('enforces the workspace disk limit with ENOSPC', async () => {
    const out = await sh(
      b,
      'head -c 64M /dev/zero > big.bin; echo "rc=$?"; du -m big.bin | cut -f1; rm -f big.bin',
    );
    assert.match(out.stderr, /No space left on device/);
    assert.doesNotMatch(out.stdout, /rc=0/);
    const size = Number(out.stdout.trim().split('\n')[1]);
    assert.ok(size <= 32, `wrote ${size} MiB into a 32 MiB workspace`);
    const put = await fetch(`${d.url}/v1/sandboxes/${b}/files?path=big.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(40 << 20, 7),
    });
    assert.equal(put.status, 507);
    assert.equal(((await put.json()) as { error: { code: string } }).error.code, 'no_space');
    assert.match(
      (await sh(b, 'ls -A')).stdout,
      /^(lost\+found\n)?$/,
      'a failed write leaves no partial file',
    );
  });
});
