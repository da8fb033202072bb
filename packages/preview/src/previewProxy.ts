import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { PaddockError, readCookies } from '@paddock/shared';
import { PortAgent } from './portAgent.js';
import { PreviewLimits, type PreviewRates } from './previewLimits.js';
import type { PreviewAddress } from './previewAddress.js';
import { sendPreviewPage } from './previewPages.js';
import type { PreviewLog, PreviewSandbox, PreviewSandboxes } from './previewSandboxes.js';
import {
  PreviewTunnels,
  serializeHead,
  type RequestHead,
  type TunnelTarget,
} from './previewTunnels.js';
import { COOKIE_TTL_SECONDS, type PreviewTokens } from './previewTokens.js';

export const PREVIEW_COOKIE = 'paddock_preview';
/** A bridge that does not open in this long fails the request (a hung agent or app). */
const BRIDGE_OPEN_TIMEOUT_MS = 10_000;
export const PREVIEW_TOKEN_PARAM = 'paddock_token';

export interface PreviewProxyOptions {
  address: () => PreviewAddress;
  tokens: PreviewTokens;
  sandboxes: PreviewSandboxes;
  log: PreviewLog;
  /** Requests per minute per sandbox and per source address (settings); unset: no limits. */
  rates?: () => PreviewRates;
}

interface Target {
  port: number;
  sandboxId: string;
}

type Access =
  | { ok: true; setCookie?: string }
  | { ok: false; redirect: string; setCookie: string }
  | { ok: false; status: 401 };

/**
 * The preview listener's other half: requests whose Host is `{port}-{sandboxId}.{domain}` come
 * here instead of the API. It authenticates the link or cookie, wakes a stopped sandbox, and
 * passes HTTP and WebSocket traffic to the port through the guest agent's bridge.
 */
export class PreviewProxy {
  private readonly proxy = createProxyServer({ xfwd: true, ws: true });
  private readonly agents = new Map<string, PortAgent>();
  /**
   * What a request needs to know of its sandbox, kept for a second: a page load is hundreds of
   * requests. Lifecycle changes, rotation and visibility changes drop an entry at once.
   */
  /** Bumped by every invalidation, so a lookup that straddles one is not cached. */
  private readonly generations = new Map<string, number>();
  private readonly targets = new Map<
    string,
    { row: PreviewSandbox; isPublic: boolean; until: number }
  >();

  private readonly tunnels = new PreviewTunnels((first, address) => this.tunnelFor(first, address));
  private readonly limits: PreviewLimits;

  constructor(private readonly o: PreviewProxyOptions) {
    this.limits = new PreviewLimits(o.rates ?? (() => ({ perSandbox: 0, perAddress: 0 })));
  }

  /** Lets authorized keep-alive preview connections bypass HTTP handling (previewTunnels.ts). */
  install(server: http.Server): void {
    this.tunnels.install(server);
  }

  /** A tunnel for a connection whose first request needs nothing but forwarding. */
  private async tunnelFor(first: RequestHead, address: string): Promise<TunnelTarget | null> {
    const target = this.o.address().parseHost(first.headers.host);
    if (target === null) return null;
    // Out of tokens: the HTTP path answers 429 (and counts the request there).
    if (this.limits.exhausted(target.sandboxId, address)) return null;
    const generation = this.generation(target.sandboxId);
    if (hasLinkToken(first.url)) return null;
    const row = await this.lookup(target.sandboxId);
    if (!row || row.status !== 'running') return null;
    if (!(await this.cookieOrPublic(first.headers.cookie, row, target))) return null;
    // Changed while we looked (stopped, rotated, made private): decide on the HTTP path.
    if (this.generation(target.sandboxId) !== generation) return null;
    return {
      sandboxId: row.id,
      open: (signal) => this.o.sandboxes.openPort(row, target.port, signal),
      check: async (head) => {
        const again = this.o.address().parseHost(head.headers.host);
        if (again?.sandboxId !== row.id || again.port !== target.port) return null;
        if (hasLinkToken(head.url)) return null;
        // Every head takes its tokens here, the first one too. Past a limit the connection
        // ends; the client's next one is answered 429 on the HTTP path.
        if (this.limits.take(row.id, address) !== null) return null;
        if (!(await this.cookieOrPublic(head.headers.cookie, row, target))) return null;
        return serializeHead(withoutPreviewCookie(head.lines));
      },
      onTraffic: () => void this.o.sandboxes.touch(row.id).catch(() => undefined),
    };
  }

  private generation(sandboxId: string): number {
    return this.generations.get(sandboxId) ?? 0;
  }

  target(req: IncomingMessage): Target | null {
    return this.o.address().parseHost(req.headers.host);
  }

  async handle(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const wait = this.limits.take(target.sandboxId, req.socket.remoteAddress ?? '');
    if (wait !== null) {
      res.setHeader('retry-after', String(wait));
      sendPreviewPage(res, 429, 'Too many requests', `Try again in ${wait} s.`);
      return;
    }
    const row = await this.lookup(target.sandboxId);
    if (!row) {
      sendPreviewPage(res, 404, 'No such preview', 'This sandbox does not exist.');
      return;
    }
    const access = await this.authorize(req, row, target);
    if (!access.ok) {
      if ('redirect' in access) {
        res.writeHead(302, {
          location: access.redirect,
          'set-cookie': access.setCookie,
          'cache-control': 'no-store',
        });
        res.end();
      } else {
        sendPreviewPage(
          res,
          401,
          'Preview link required',
          'This preview is private. Open it from the Paddock console or with a fresh link.',
        );
      }
      return;
    }
    if (access.setCookie) res.setHeader('set-cookie', access.setCookie);
    if (row.status !== 'running') {
      await this.wakePage(res, row, target);
      return;
    }
    void this.o.sandboxes.touch(row.id).catch(() => undefined);
    stripPreviewCookie(req);
    this.proxy.web(
      req,
      res,
      { target: `http://127.0.0.1:${target.port}`, agent: this.agentFor(row, target.port) },
      (err) => {
        void this.upstreamFailed(err, res, row, target);
      },
    );
  }

  async handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: Target,
  ): Promise<void> {
    socket.on('error', () => socket.destroy());
    const wait = this.limits.take(target.sandboxId, req.socket.remoteAddress ?? '');
    if (wait !== null) {
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nretry-after: ${wait}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    const row = await this.lookup(target.sandboxId);
    const access = row ? await this.authorize(req, row, target) : null;
    if (!row || !access?.ok || row.status !== 'running') {
      const status = !row
        ? '404 Not Found'
        : !access?.ok
          ? '401 Unauthorized'
          : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    stripPreviewCookie(req);
    // WebSocket frames in either direction are preview traffic: an open HMR socket that is used
    // keeps the sandbox awake; an idle tab does not.
    const touch = (): void => void this.o.sandboxes.touch(row.id).catch(() => undefined);
    socket.on('data', touch);
    this.proxy.ws(
      req,
      socket,
      head,
      { target: `ws://127.0.0.1:${target.port}`, agent: this.agentFor(row, target.port) },
      () => {
        if (!socket.destroyed)
          socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      },
    );
  }

  /** The sandbox's row changed (epoch, status, its app's visibility): look it up afresh. */
  invalidate(sandboxId: string): void {
    this.generations.set(sandboxId, this.generation(sandboxId) + 1);
    this.targets.delete(sandboxId);
    this.tunnels.cut(sandboxId);
  }

  /** Drop the pooled bridges of a sandbox that stopped (they die with it anyway). */
  forget(sandboxId: string): void {
    this.invalidate(sandboxId);
    for (const [key, agent] of this.agents) {
      if (key.startsWith(`${sandboxId}:`)) {
        agent.destroy();
        this.agents.delete(key);
      }
    }
  }

  close(): void {
    this.tunnels.close();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.proxy.close();
  }

  private agentFor(row: PreviewSandbox, port: number): PortAgent {
    const key = `${row.id}:${port}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new PortAgent(() =>
        this.o.sandboxes.openPort(row, port, AbortSignal.timeout(BRIDGE_OPEN_TIMEOUT_MS)),
      );
      this.agents.set(key, agent);
    }
    return agent;
  }

  private async authorize(
    req: IncomingMessage,
    row: PreviewSandbox,
    target: Target,
  ): Promise<Access> {
    const url = new URL(req.url ?? '/', 'http://preview');
    const linkToken = url.searchParams.get(PREVIEW_TOKEN_PARAM);
    const claims = { sandboxId: row.id, port: target.port, epoch: row.preview_epoch };
    if (linkToken !== null) {
      if (!(await this.o.tokens.verify(linkToken, 'link', claims)))
        return { ok: false, status: 401 };
      // A link is exchanged for a host-only cookie, then dropped from the address bar. A wake
      // bumps the epoch, so a link for a stopped sandbox gets the next epoch's cookie.
      const epoch = row.status === 'running' ? row.preview_epoch : this.o.sandboxes.wake(row);
      url.searchParams.delete(PREVIEW_TOKEN_PARAM);
      return {
        ok: false,
        // One leading slash: `//host/...` would send the browser to another site.
        redirect: `/${url.pathname.replace(/^\/+/, '')}${url.search}`,
        setCookie: await this.cookie({ ...claims, epoch }),
      };
    }
    return (await this.cookieOrPublic(req.headers.cookie, row, target))
      ? { ok: true }
      : { ok: false, status: 401 };
  }

  private async cookieOrPublic(
    cookieHeader: string | undefined,
    row: PreviewSandbox,
    target: Target,
  ): Promise<boolean> {
    // Public means the app's web port, not every port something in the sandbox listens on.
    if (target.port === row.web_port && (await this.isPublic(row))) return true;
    const claims = { sandboxId: row.id, port: target.port, epoch: row.preview_epoch };
    const waking = this.o.sandboxes.isWaking(row.id);
    // Any of several cookies by that name may be ours: another preview on the same parent
    // domain can set one for the whole domain, and must not lock this one out.
    for (const cookie of readCookies(cookieHeader, PREVIEW_COOKIE)) {
      if (await this.o.tokens.verify(cookie, 'cookie', claims)) return true;
      // The cookie of a wake under way names the epoch the start is about to set.
      const next = { ...claims, epoch: row.preview_epoch + 1 };
      if (waking && (await this.o.tokens.verify(cookie, 'cookie', next))) return true;
    }
    return false;
  }

  private async lookup(sandboxId: string): Promise<PreviewSandbox | undefined> {
    const now = Date.now();
    const hit = this.targets.get(sandboxId);
    if (hit && hit.until > now) return hit.row;
    const row = await this.o.sandboxes.find(sandboxId);
    if (!row) return undefined;
    const isPublic = row.app_id !== null && (await this.o.sandboxes.isAppPublic(row.app_id));
    if (this.targets.size >= 10_000) this.targets.clear();
    this.targets.set(sandboxId, { row, isPublic, until: now + 1_000 });
    return row;
  }

  private async isPublic(row: PreviewSandbox): Promise<boolean> {
    const hit = this.targets.get(row.id);
    if (hit && hit.row === row) return hit.isPublic;
    if (row.app_id === null) return false;
    return this.o.sandboxes.isAppPublic(row.app_id);
  }

  private async wakePage(res: ServerResponse, row: PreviewSandbox, target: Target): Promise<void> {
    if (row.status === 'failed') {
      // Not woken again and again by a page that reloads itself: someone has to look first.
      sendPreviewPage(
        res,
        502,
        'The sandbox failed',
        `${row.status_reason ?? 'It stopped unexpectedly'}. Start it again from the console.`,
      );
      return;
    }
    if (row.status === 'stopped') {
      const epoch = this.o.sandboxes.wake(row);
      if (!(await this.isPublic(row))) {
        res.setHeader(
          'set-cookie',
          await this.cookie({ sandboxId: row.id, port: target.port, epoch }),
        );
      }
    }
    sendPreviewPage(res, 503, 'Starting…', 'The sandbox is starting. This page reloads by itself.');
  }

  private async upstreamFailed(
    err: unknown,
    res: ServerResponse,
    row: PreviewSandbox,
    target: Target,
  ): Promise<void> {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = err instanceof PaddockError ? err.code : 'proxy_error';
    if (code !== 'port_unreachable') {
      this.o.log.warn({ err, sandbox_id: row.id, port: target.port }, 'preview request failed');
      sendPreviewPage(res, 502, 'Preview unavailable', 'The sandbox did not answer.');
      return;
    }
    // Nothing listens yet: while the web process is starting that is a wait, otherwise an error.
    const starting = await this.o.sandboxes.isWebStarting(row).catch(() => false);
    if (starting)
      sendPreviewPage(res, 503, 'Starting…', 'The app is starting. This page reloads by itself.');
    else
      sendPreviewPage(
        res,
        502,
        'Nothing is listening',
        `Nothing in the sandbox listens on port ${target.port}.`,
      );
  }

  private async cookie(claims: {
    sandboxId: string;
    port: number;
    epoch: number;
  }): Promise<string> {
    const { token } = await this.o.tokens.issue('cookie', claims);
    // Host-only (no Domain), so one preview's cookie never reaches another. In an iframe the
    // preview is a third party to the console: SameSite=None needs Secure, which browsers
    // accept on https and on *.localhost; Partitioned keeps it working where third-party
    // cookies are blocked.
    const secure =
      this.o.address().scheme === 'https' || this.o.address().domain.endsWith('localhost');
    const attrs = secure ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Lax';
    return `${PREVIEW_COOKIE}=${token}; Path=/; HttpOnly; Max-Age=${COOKIE_TTL_SECONDS}; ${attrs}`;
  }
}

/** A Cookie header's value without the cookies of one name. */
function withoutCookie(header: string, name: string): string {
  return header
    .split(';')
    .filter((part) => part.split('=', 1)[0]?.trim() !== name)
    .join(';')
    .trim();
}

function hasLinkToken(url: string): boolean {
  return new URL(url, 'http://preview').searchParams.has(PREVIEW_TOKEN_PARAM);
}

/** Header lines with Paddock's cookie taken out of every Cookie line (dropped when empty). */
function withoutPreviewCookie(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (!/^cookie:/i.test(line)) {
      out.push(line);
      continue;
    }
    const kept = withoutCookie(line.slice(line.indexOf(':') + 1), PREVIEW_COOKIE);
    if (kept !== '') out.push(`Cookie: ${kept}`);
  }
  return out;
}

/** The app never sees Paddock's own cookie. */
function stripPreviewCookie(req: IncomingMessage): void {
  const header = req.headers.cookie;
  if (!header) return;
  const kept = withoutCookie(header, PREVIEW_COOKIE);
  if (kept === '') delete req.headers.cookie;
  else req.headers.cookie = kept;
}
