import http from 'node:http';
import type { TestDaemon } from './harness.js';

export interface PreviewResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Requests a preview URL (`http://{port}-{id}.preview.localhost:{daemonPort}/...`) the way a
 * browser would, but connecting to the daemon on 127.0.0.1 with the preview's Host header, so
 * no name resolution is involved.
 */
export function previewGet(
  daemonUrl: string,
  previewUrl: string,
  opts: { cookie?: string; path?: string } = {},
): Promise<PreviewResponse> {
  const target = new URL(previewUrl);
  const daemon = new URL(daemonUrl);
  const path = opts.path ?? `${target.pathname}${target.search}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: daemon.hostname,
        port: daemon.port,
        path,
        method: 'GET',
        agent: false,
        headers: { host: target.host, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The `name=value` part of a response's Set-Cookie, to send back as a Cookie header. */
export function cookieFrom(res: PreviewResponse): string | undefined {
  const set = res.headers['set-cookie']?.[0];
  return set?.split(';', 1)[0];
}

/** Follows a private preview link the way a browser does: link → cookie → the page. */
export async function openPreview(
  daemonUrl: string,
  previewUrl: string,
): Promise<{ cookie: string; page: PreviewResponse }> {
  const first = await previewGet(daemonUrl, previewUrl);
  if (first.status !== 302) throw new Error(`the link answered ${first.status}: ${first.body}`);
  const cookie = cookieFrom(first);
  if (!cookie) throw new Error('the link set no cookie');
  const page = await previewGet(daemonUrl, previewUrl, { cookie, path: first.headers.location });
  return { cookie, page };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface WithProcesses {
  sandbox: { processes: { kind: string; status: string; health?: string | null }[] } | null;
}

/** The app, once its web process runs and answers its health check (an install may come first). */
export function healthyApp<A extends WithProcesses>(d: TestDaemon, id: string): Promise<A> {
  return waitFor(
    `app ${id} healthy`,
    async () => {
      const a = (await d.api<A>('GET', `/v1/apps/${id}`)).body;
      const web = a.sandbox?.processes.find((p) => p.kind === 'web');
      return web?.status === 'running' && web.health === 'ready' ? a : undefined;
    },
    180_000,
  );
}
