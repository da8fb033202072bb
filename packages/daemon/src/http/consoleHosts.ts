import type http from 'node:http';
import { ERROR_CODES, type ErrorBody } from '@paddock/shared';
import type { ListenAddress } from './listenAddress.js';
import { API_HEADERS } from './securityHeaders.js';

/** Loopback names the console and the API always answer on, at the daemon's own port. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** Binds that name no host (every interface): nobody opens the console at these. */
const WILDCARD_BINDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The hosts the console, the API, `/metrics` and the probes answer on: the loopback names and
 * the listen host at the daemon's port, and `PADDOCK_PUBLIC_URL`'s host. Any other Host (a DNS
 * rebinding page's own name, a preview-looking name no preview owns) gets 421 and reaches
 * nothing. Preview and apps hosts never come here: their handlers answer them first.
 */
export class ConsoleHosts {
  private made: { port: number; hosts: Set<string> } | undefined;

  constructor(
    private readonly listen: ListenAddress,
    private readonly publicUrl: URL | undefined,
  ) {}

  /** Every Host header value served, lower-case (for the 421's log line and tests). */
  hosts(): Set<string> {
    const port = this.listen.port;
    if (this.made?.port === port) return this.made.hosts;
    const hosts = new Set<string>();
    const add = (name: string, p: number, defaultPort: number) => {
      hosts.add(`${name}:${p}`);
      // A client leaves the port out when it is the scheme's default.
      if (p === defaultPort) hosts.add(name);
    };
    const bind = this.listen.host.toLowerCase();
    const names = WILDCARD_BINDS.has(bind)
      ? LOOPBACK_NAMES
      : [...LOOPBACK_NAMES, bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind];
    for (const name of names) add(name, port, 80);
    if (this.publicUrl) {
      const defaultPort = this.publicUrl.protocol === 'https:' ? 443 : 80;
      const p = this.publicUrl.port === '' ? defaultPort : Number(this.publicUrl.port);
      add(this.publicUrl.hostname.toLowerCase(), p, defaultPort);
    }
    this.made = { port, hosts };
    return hosts;
  }

  allows(host: string | undefined): boolean {
    return host !== undefined && this.hosts().has(host.toLowerCase());
  }

  /** A request listener that passes allowed hosts on to `next` and answers others 421. */
  wrap(next: http.RequestListener): http.RequestListener {
    return (req, res) => {
      if (this.allows(req.headers.host)) {
        next(req, res);
        return;
      }
      misdirected(req, res);
    };
  }
}

/**
 * 421 with the API's error envelope and headers. The body names no host that is served: a
 * page that rebound its own name to the daemon learns nothing but that it is refused.
 */
export function misdirected(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body: ErrorBody = {
    error: {
      code: 'host_not_allowed',
      message:
        'this host name is not one the daemon serves the console or the API on (see PADDOCK_PUBLIC_URL)',
    },
  };
  const payload = JSON.stringify(body);
  // The request's body is not read: the connection closes after the answer.
  res.writeHead(ERROR_CODES.host_not_allowed.status, {
    ...API_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}
