/**
 * The agent socket is pinned: the daemon connects only through a hard link in the root-owned
 * runtime tmpfs root, so a sandbox that rearranges its own socket dir cannot redirect the daemon.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentClient } from '@paddock/guest-agent';
import type { AgentEndpoint } from '@paddock/shared';
import { pinAgentSocket, pinnedSocketProblem } from '../src/jail/agentSocket.js';
import type { LocalDriver } from '../src/index.js';
import { destroyAll, exec, openTestDriver, readState, SMALL } from './helpers.js';

function socketOf(endpoint: AgentEndpoint): string {
  assert.equal(endpoint.transport, 'unix');
  return endpoint.transport === 'unix' ? endpoint.socketPath : '';
}

/** A unix socket server on the host that would pass for an agent, and remembers every request. */
async function decoyServer(
  dir: string,
): Promise<{ socket: string; requests: string[]; close: () => Promise<void> }> {
  const socket = path.join(dir, 'decoy.sock');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, protocol: 1, pid: 1, uptime_ms: 1, processes: 0 }));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('pinned agent socket', () => {
  let driver: LocalDriver;
  let dataDir: string;
  let runtimeDir: string;
  let cleanup: () => Promise<void> = async () => undefined;

  before(async () => {
    ({ driver, dataDir, cleanup } = await openTestDriver());
    runtimeDir = String(driver.describe().details.runtime_dir);
  });
  after(() => cleanup());

  it('keeps reaching the real agent after the sandbox swaps its socket for a symlink to a host socket', async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-decoy-'));
    const decoy = await decoyServer(tmp);
    t.after(async () => {
      await decoy.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });
    const { id } = await driver.create({ limits: SMALL });
    t.after(() => driver.destroy(id));
    const uid = readState(dataDir, id).uid;
    assert.equal(socketOf(driver.agentEndpoint(id)), path.join(runtimeDir, id, 'agent.sock'));

    const swap = await exec(
      driver,
      id,
      `mv /run/paddock/agent.sock /run/paddock/moved.sock && ln -s ${decoy.socket} /run/paddock/agent.sock && echo swapped`,
    );
    assert.equal(swap.stdout.trim(), 'swapped', swap.stderr);
    const own = path.join(runtimeDir, id, 'run', 'agent.sock');
    assert.ok(fs.lstatSync(own).isSymbolicLink(), 'the sandbox did replace its socket name');

    // exec() opens a new connection each time, so this really resolves the endpoint again.
    const r = await exec(driver, id, 'id -u');
    assert.equal(r.stdout.trim(), String(uid));
    const client = new AgentClient(driver.agentEndpoint(id));
    try {
      const health = await client.health();
      assert.notEqual(health.pid, 1, 'the real agent answers health, not the decoy');
    } finally {
      client.close();
    }

    // Removing every name the sandbox can reach changes nothing either.
    const rm = await exec(
      driver,
      id,
      'rm -f /run/paddock/agent.sock /run/paddock/moved.sock; ls -A /run/paddock | wc -l',
    );
    assert.equal(rm.stdout.trim(), '0');
    assert.equal((await exec(driver, id, 'echo still-mine')).stdout.trim(), 'still-mine');
    assert.deepEqual(decoy.requests, [], 'the host socket never heard from the daemon');
  });

  it('keeps the pinned link where the sandbox uid cannot create, rename or remove entries', async (t) => {
    const { id } = await driver.create({ limits: SMALL });
    t.after(() => driver.destroy(id));
    const state = readState(dataDir, id);
    const root = path.join(runtimeDir, id);
    const pinned = path.join(root, 'agent.sock');
    const st = fs.lstatSync(pinned);
    assert.ok(st.isSocket());
    assert.equal(st.uid, state.uid);
    assert.equal(fs.lstatSync(path.join(root, 'run', 'agent.sock')).ino, st.ino, 'same inode');
    assert.equal(pinnedSocketProblem(pinned, state.uid), null);

    // From the host, as the sandbox's own uid and gid: every change to the tmpfs root fails.
    const attempts = [
      `rm -f ${pinned}`,
      `mv ${pinned} ${root}/x`,
      `ln -s /tmp ${root}/y`,
      `touch ${root}/z`,
      `mv ${root}/run ${root}/r2`,
    ];
    for (const cmd of attempts) {
      const out = execFileSync(
        'setpriv',
        [
          `--reuid=${state.uid}`,
          `--regid=${state.gid}`,
          '--clear-groups',
          '/bin/sh',
          '-c',
          `${cmd} 2>&1; echo "rc=$?"`,
        ],
        { encoding: 'utf8' },
      );
      assert.doesNotMatch(out, /rc=0/, `${cmd} must fail: ${out}`);
    }
    assert.ok(fs.lstatSync(pinned).isSocket(), 'the pinned link is untouched');
  });

  it('removes the pin at stop and pins the new socket on every boot', async (t) => {
    const { id } = await driver.create({ limits: SMALL });
    t.after(() => driver.destroy(id));
    const pinned = path.join(runtimeDir, id, 'agent.sock');
    assert.ok(fs.lstatSync(pinned).isSocket());

    await driver.stop(id, { graceMs: 500 });
    assert.ok(!fs.existsSync(pinned), 'no pinned link while stopped');

    await driver.start(id, { limits: SMALL });
    const st = fs.lstatSync(pinned);
    assert.ok(st.isSocket());
    const bound = fs.lstatSync(path.join(runtimeDir, id, 'run', 'agent.sock'));
    assert.equal(st.ino, bound.ino, "the new agent's socket is pinned");
    assert.equal((await exec(driver, id, 'echo rebooted')).stdout.trim(), 'rebooted');
  });

  it('re-adopts through the pin after a daemon restart and stops a running sandbox without one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pin-readopt-'));
    const first = await openTestDriver({ dataDir: dir });
    const second: { driver?: LocalDriver } = {};
    try {
      const kept = (await first.driver.create({ limits: SMALL })).id;
      const unpinned = (await first.driver.create({ limits: SMALL })).id;
      const rt = String(first.driver.describe().details.runtime_dir);
      // As if booted by a driver that did not pin: only the sandbox-writable name is left.
      fs.unlinkSync(path.join(rt, unpinned, 'agent.sock'));

      second.driver = (await openTestDriver({ dataDir: dir })).driver;
      const d2 = second.driver;
      assert.equal(socketOf(d2.agentEndpoint(kept)), path.join(rt, kept, 'agent.sock'));
      assert.equal((await exec(d2, kept, 'echo adopted')).stdout.trim(), 'adopted');
      assert.equal((await d2.inspect(unpinned)).state, 'stopped');
      assert.equal(readState(dir, unpinned).boot, null);
      await d2.start(unpinned, { limits: SMALL });
      assert.ok(fs.lstatSync(path.join(rt, unpinned, 'agent.sock')).isSocket(), 'pinned again');
      assert.equal((await exec(d2, unpinned, 'echo back')).stdout.trim(), 'back');
    } finally {
      await destroyAll(second.driver ?? first.driver);
      await second.driver?.close();
      await first.driver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to pin a symlink, a non-socket or a socket of another uid', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pin-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.chmodSync(dir, 0o710);
    const decoy = await decoyServer(dir);
    t.after(() => decoy.close());
    const pinned = path.join(dir, 'pinned.sock');

    fs.symlinkSync(decoy.socket, path.join(dir, 'link.sock'));
    assert.throws(
      () => pinAgentSocket(path.join(dir, 'link.sock'), pinned, 0),
      /refusing the agent socket: .* is not a socket/,
    );
    assert.ok(!fs.existsSync(pinned), 'a refused pin is removed again');

    fs.writeFileSync(path.join(dir, 'file.sock'), '');
    assert.throws(() => pinAgentSocket(path.join(dir, 'file.sock'), pinned, 0), /is not a socket/);

    assert.throws(
      () => pinAgentSocket(decoy.socket, pinned, 1_234_567),
      /belongs to uid 0, not the sandbox uid 1234567/,
    );
    assert.ok(!fs.existsSync(pinned));

    pinAgentSocket(decoy.socket, pinned, 0);
    assert.equal(fs.lstatSync(pinned).ino, fs.lstatSync(decoy.socket).ino);
    assert.equal(pinnedSocketProblem(pinned, 0), null);
  });
});
