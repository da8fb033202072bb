/**
 * Integration: the host-side loopback connector reaches ports on a sandbox's own loopback
 * (real bubblewrap sandbox, real network namespace), and nothing on the host's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalDriver } from '../src/index.js';
import { LoopbackConnector, PortTakenError } from '../src/loopback/loopbackConnector.js';
import { exec, openTestDriver, SMALL } from './helpers.js';

const PORT = 4321;

/** Retries while the connector's helper starts (null) or the server inside is not up yet. */
async function connect(driver: LocalDriver, id: string, port: number): Promise<Socket> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const attempt = driver.connectPort(id, port);
    if (attempt !== null) {
      try {
        return await attempt;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    } else if (Date.now() > deadline) {
      throw new Error('the connector never became ready');
    }
    await sleep(50);
  }
}

function get(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.end('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  });
}

describe('loopback connector', () => {
  let driver: LocalDriver;
  let cleanup: () => Promise<void> = async () => undefined;
  let id: string;
  let server: Promise<unknown>;
  const host = net.createServer((s) => s.end('HTTP/1.1 200 OK\r\n\r\nthe host'));

  before(async () => {
    ({ driver, cleanup } = await openTestDriver());
    id = (await driver.create({ limits: SMALL })).id;
    const js = `require('http').createServer((q, r) => r.end('inside the sandbox')).listen(${PORT}, '127.0.0.1'); setTimeout(() => process.exit(0), 20000)`;
    server = exec(driver, id, `node -e "${js}"`, 30_000);
    // The same port on the host's loopback: the connector must never reach this one.
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    host.close();
    await cleanup();
    await server.catch(() => undefined);
  });

  it("connects to a port on the sandbox's loopback, without the guest agent", async () => {
    const socket = await connect(driver, id, PORT);
    assert.match(await get(socket), /inside the sandbox/);
  });

  it("cannot reach the host's loopback: a port only the host listens on is unreachable", async () => {
    const hostPort = (host.address() as net.AddressInfo).port;
    await connect(driver, id, PORT); // the helper is running
    const attempt = driver.connectPort(id, hostPort);
    assert.ok(attempt !== null);
    await assert.rejects(attempt, (err: { code?: string }) => err.code === 'port_unreachable');
  });

  it('serves the egress port inside the sandbox: its connections come from there, and it keeps the port', async () => {
    const accepted: string[] = [];
    const egress = await driver.serveEgress(id, (socket) => {
      accepted.push(String(socket.remoteAddress));
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nproxied');
    });
    try {
      const fromInside = await exec(driver, id, 'curl -s --noproxy "*" http://127.0.0.1:3128/');
      assert.equal(fromInside.stdout, 'proxied');
      assert.deepEqual(accepted, ['127.0.0.1']);
      // The sandbox's own processes cannot take the port over.
      const bind = await exec(
        driver,
        id,
        `node -e "require('net').createServer().listen(3128, '127.0.0.1').on('error', (e) => { console.log(e.code); process.exit(0); })"`,
      );
      assert.equal(bind.stdout.trim(), 'EADDRINUSE');
    } finally {
      egress.close();
    }
  });

  it('offers no connection once the sandbox is stopped', async () => {
    await driver.stop(id);
    assert.equal(driver.connectPort(id, PORT), null);
    await sleep(300);
    assert.equal(driver.connectPort(id, PORT), null, 'a stopped sandbox has no namespace to enter');
  });
});

describe('loopback connector listeners', () => {
  it('says at once when the port is already taken there', async () => {
    // A network namespace of the test's own, with its loopback up.
    const holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec sleep 60'], {
      stdio: 'ignore',
    });
    const connector = new LoopbackConnector(
      async () => fs.openSync(`/proc/${holder.pid}/ns/net`, 'r'),
      process.execPath,
    );
    try {
      await waitUntil(async () => {
        const ns = fs.readlinkSync(`/proc/${holder.pid}/ns/net`);
        const comm = fs.readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim();
        return ns !== fs.readlinkSync('/proc/self/ns/net') && comm === 'sleep';
      });
      const first = await connector.listen(3128);
      try {
        await assert.rejects(connector.listen(3128), PortTakenError);
      } finally {
        first.close();
      }
    } finally {
      connector.close();
      holder.kill('SIGKILL');
    }
  });
});

async function waitUntil(probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}
