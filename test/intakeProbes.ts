/**
 * What the package intake tests need around the daemon: a line of their own in /etc/hosts, a
 * listener that counts connections on loopback (what a refused URL must never reach), a
 * recursive size walk of a data dir, a body streamed without holding it, and a zip bomb.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { rawZip } from '../packages/app-package/test/zipCorpus.js';

export { zerosDeflated } from '../packages/app-package/test/zipCorpus.js';

const HOSTS = '/etc/hosts';

/** Appends `line` to /etc/hosts (written in place: it may be a bind mount). */
export function addHostsLine(line: string): void {
  const text = fs.readFileSync(HOSTS, 'utf8');
  fs.writeFileSync(HOSTS, `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${line}\n`);
}

/** Removes exactly the one line `addHostsLine` added, and nothing else. */
export function removeHostsLine(line: string): void {
  const lines = fs.readFileSync(HOSTS, 'utf8').split('\n');
  const at = lines.lastIndexOf(line);
  if (at === -1) return;
  lines.splice(at, 1);
  fs.writeFileSync(HOSTS, lines.join('\n'));
}

/**
 * One port listened on at both 127.0.0.1 and [::1], counting every connection made to it: a URL
 * naming this port that is refused before connecting leaves the count at 0.
 */
export async function connectionTrap(): Promise<{
  port: number;
  connections: () => number;
  close: () => void;
}> {
  let count = 0;
  const make = () =>
    net.createServer((socket) => {
      count++;
      socket.destroy();
    });
  for (let attempt = 0; ; attempt++) {
    const v4 = make();
    const v6 = make();
    const port = await listen(v4, '127.0.0.1', 0);
    try {
      await listen(v6, '::1', port);
    } catch (err) {
      v4.close();
      if (attempt < 5) continue;
      throw err;
    }
    return {
      port,
      connections: () => count,
      close: () => {
        v4.close();
        v6.close();
      },
    };
  }
}

export function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * The bytes under `p`, every file counted at the larger of its length and the blocks it holds
 * (a sparse file counts whole). Files that go while it walks are left out.
 */
export function treeBytes(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  let sum = Math.max(st.size, st.blocks * 512);
  if (!st.isDirectory()) return sum;
  let names: string[] = [];
  try {
    names = fs.readdirSync(p);
  } catch {
    return sum;
  }
  for (const name of names) sum += treeBytes(`${p}/${name}`);
  return sum;
}

/** The largest `treeBytes(dir)` seen while `work` runs (sampled every 20 ms), and its result. */
export async function peakBytesWhile<T>(
  dir: string,
  work: () => Promise<T>,
): Promise<{ peak: number; result: T }> {
  let peak = treeBytes(dir);
  const timer = setInterval(() => (peak = Math.max(peak, treeBytes(dir))), 20);
  try {
    const result = await work();
    return { peak: Math.max(peak, treeBytes(dir)), result };
  } finally {
    clearInterval(timer);
  }
}

/** The peak resident set of a process so far (VmHWM), in bytes. */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/**
 * POSTs `head`, then `bytes` bytes made one MiB chunk at a time (never held whole), then
 * `tail`: an upload bigger than any buffer the test keeps. Through `agent`, so that what comes
 * after it can be sent on the same connection.
 */
export function streamPost(
  agent: http.Agent,
  url: string,
  token: string,
  contentType: string,
  body: { head?: string; bytes: number; tail?: string },
): Promise<{ status: number; body: { error: { code: string } } }> {
  const u = new URL(`${url}/v1/userspace-apps`);
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (text += s));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    if (body.head) req.write(body.head);
    let sent = 0;
    const write = (): void => {
      while (sent < body.bytes) {
        const part = chunk.subarray(0, Math.min(chunk.length, body.bytes - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once('drain', write);
          return;
        }
      }
      req.end(body.tail ?? '');
    };
    write();
  });
}

/** GETs `url` through `agent`: its status, and whether it went on a connection used before. */
export function getThrough(
  agent: http.Agent,
  url: string,
): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

/**
 * A package of `paddock-app.json` and one deflated entry, `zeros.bin`, whose central directory
 * declares `declared` bytes (the truth, or a lie).
 */
export function bombPackage(manifest: string, deflatedZeros: Buffer, declared: number): Buffer {
  return rawZip([
    { name: 'paddock-app.json', data: Buffer.from(manifest) },
    { name: 'zeros.bin', data: deflatedZeros, method: 8, size: declared },
  ]);
}
