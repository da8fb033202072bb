/**
 * Integration: real bubblewrap, cgroups, loop mounts and the real guest agent. Each check looks
 * from inside a sandbox at something it must not reach.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LocalDriver } from '../src/index.js';
import { exec, openTestDriver, readState, SMALL } from './helpers.js';

describe('sandbox isolation', () => {
  let driver: LocalDriver;
  let dataDir: string;
  let cleanup: () => Promise<void> = async () => undefined;
  let a: string;
  let b: string;

  before(async () => {
    process.env.PADDOCK_TEST_DAEMON_SECRET = 'daemon-env-must-not-leak';
    ({ driver, dataDir, cleanup } = await openTestDriver());
    fs.writeFileSync(path.join(dataDir, 'paddock.db'), 'secret database');
    a = (await driver.create({ limits: SMALL })).id;
    b = (await driver.create({ limits: SMALL })).id;
  });
  after(async () => {
    delete process.env.PADDOCK_TEST_DAEMON_SECRET;
    await cleanup();
  });

  it('runs as its own non-zero uid with no capabilities', async () => {
    const state = readState(dataDir, a);
    assert.ok(state.uid >= 1_000_000, 'uid from the sandbox range');
    assert.notEqual(state.uid, readState(dataDir, b).uid, 'each sandbox has its own uid');
    const r = await exec(
      driver,
      a,
      'id -u; id -g; id -un; grep -E "^Cap(Eff|Prm|Bnd|Amb):" /proc/self/status',
    );
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], String(state.uid));
    assert.equal(lines[1], String(state.gid));
    assert.equal(lines[2], 'sandbox');
    for (const cap of lines.slice(3)) assert.match(cap, /:\s+0000000000000000$/);
  });

  it('cannot create nested user namespaces', async () => {
    const r = await exec(driver, a, 'unshare -U true; echo "rc=$?"; unshare -Ur id; echo "rc=$?"');
    assert.match(r.stdout, /rc=[1-9]/);
    assert.doesNotMatch(r.stdout, /rc=0/);
  });

  it('has a minimal environment with nothing from the daemon, and the sandbox identity', async () => {
    // The agent's own environment (the exec'd shell gets whatever the agent passes on).
    const agentPid =
      'for p in /proc/[0-9]*; do case "$(readlink $p/exe)" in */node) echo ${p#/proc/}; break;; esac; done';
    const r = await exec(
      driver,
      a,
      `tr "\\0" "\\n" < /proc/$(${agentPid})/environ; echo ---; cat /proc/*/environ | tr "\\0" "\\n"; echo ---; hostname; echo $HOME; pwd`,
    );
    const [agentEnv, allEnv, rest] = r.stdout.split('---\n') as [string, string, string];
    assert.doesNotMatch(allEnv, /daemon-env-must-not-leak|PADDOCK_TEST/);
    const names = agentEnv
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0]);
    // bubblewrap itself adds PWD for --chdir.
    assert.deepEqual(names.sort(), ['HOME', 'LANG', 'PATH', 'PWD', 'USER']);
    assert.match(agentEnv, /^PWD=\/workspace$/m);
    assert.deepEqual(rest.trim().split('\n'), ['sandbox', '/workspace', '/workspace']);
  });

  it('cannot read host secrets: /root, /home, the data dir, /etc/shadow, ssh and ssl keys', async () => {
    const real = fs.realpathSync(dataDir);
    const probes = [
      'ls /root',
      'ls /home',
      `ls ${real}`,
      `cat ${real}/paddock.db`,
      'ls /var/lib/paddock',
      `ls ${String(driver.describe().details.runtime_dir)}`,
    ];
    for (const probe of probes) {
      const r = await exec(driver, a, `${probe} 2>&1; echo "rc=$?"`);
      assert.doesNotMatch(r.stdout, /rc=0/, `${probe} must fail: ${r.stdout}`);
    }
    const shadow = await exec(
      driver,
      a,
      'wc -c < /etc/shadow; ls -A /etc/ssl/private | wc -l; ls -A /etc/ssh | wc -l',
    );
    assert.deepEqual(
      shadow.stdout.trim().split('\n'),
      ['0', '0', '0'],
      'masked: empty file and empty dirs',
    );
    const passwd = await exec(driver, a, 'cat /etc/passwd');
    const users = passwd.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(':')[0]);
    assert.deepEqual(users, ['root', 'sandbox', 'nobody'], 'only the generated accounts');
  });

  it('can write only to its workspace and /tmp; files it makes belong to its uid on the host', async () => {
    const r = await exec(
      driver,
      a,
      'for p in /usr/x /etc/x /x /opt/paddock/x /run/paddock/../x; do touch $p 2>/dev/null && echo "wrote $p"; done; ' +
        'echo hi > /workspace/mine.txt && echo hi > /tmp/t && echo ok',
    );
    assert.equal(r.stdout.trim(), 'ok');
    const workspace = String(driver.describe().details.runtime_dir);
    const st = fs.statSync(path.join(workspace, a, 'workspace', 'mine.txt'));
    assert.equal(st.uid, readState(dataDir, a).uid);
  });

  it("cannot see another sandbox's workspace or processes", async () => {
    const marker = `marker-${Date.now()}-${process.pid}`;
    await exec(driver, b, `echo ${marker} > /workspace/b-only.txt`);
    const bWorkspace = path.join(String(driver.describe().details.runtime_dir), b, 'workspace');
    const r = await exec(
      driver,
      a,
      `grep -rs ${marker} /workspace /tmp /run /dev /opt /var 2>/dev/null; ls ${bWorkspace} 2>/dev/null; ` +
        'ls /workspace; ls /proc | grep -cE "^[0-9]+$"',
    );
    assert.doesNotMatch(r.stdout, new RegExp(`${marker}|b-only`));
    // Own pid namespace: bwrap's init, the agent, this shell and its children only.
    const count = Number(
      r.stdout
        .trim()
        .split('\n')
        .find((l) => /^\d+$/.test(l)),
    );
    assert.ok(count < 10, `only its own processes are visible (${count})`);
    const bState = readState(dataDir, b);
    assert.ok(bState.boot !== null);
    const own = await exec(
      driver,
      a,
      `test -e /proc/${bState.boot.pid}/root && echo visible || echo hidden`,
    );
    assert.equal(own.stdout.trim(), 'hidden');
  });

  it('has only loopback and cannot reach a server on the host loopback', async (t) => {
    const server = net.createServer((s) => s.end('hello from host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const port = (server.address() as net.AddressInfo).port;

    const dev = await exec(driver, a, 'cat /proc/net/dev');
    const ifaces = dev.stdout
      .split('\n')
      .slice(2)
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':')[0]!.trim());
    assert.deepEqual(ifaces, ['lo']);

    const script =
      `const s=require('net').connect(${port},'127.0.0.1');` +
      `s.on('data',d=>{console.log('GOT',String(d));process.exit(0)});` +
      `s.on('error',e=>{console.log('ERR',e.code);process.exit(3)});` +
      `setTimeout(()=>{console.log('TIMEOUT');process.exit(4)},3000)`;
    const r = await exec(driver, a, `node -e "${script}"`);
    assert.doesNotMatch(r.stdout, /GOT/);
    assert.match(r.stdout, /ERR ECONNREFUSED/);
    const outside = await exec(
      driver,
      a,
      `node -e "require('dns').lookup('example.com',e=>{console.log(e?e.code:'resolved')})"`,
    );
    assert.doesNotMatch(outside.stdout, /resolved/);
  });
});
