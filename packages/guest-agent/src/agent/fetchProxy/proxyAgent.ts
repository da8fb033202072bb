/**
 * The dispatcher fetch uses inside a sandbox, loaded by preload.ts on the first fetch: requests
 * to hosts in NO_PROXY (loopback) go direct, everything else through the egress proxy.
 */
import { Agent, ProxyAgent, type Dispatcher } from 'undici';

function noProxyHosts(): string[] {
  return (process.env.NO_PROXY ?? process.env.no_proxy ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

function bypasses(hostname: string, list: string[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return list.some((entry) => {
    if (entry === '*') return true;
    const domain = entry.replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}

/** What preload.ts needs of a dispatcher. */
export interface FetchDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean;
  close(): Promise<void>;
  destroy(err?: Error | null): Promise<void>;
}

class SandboxDispatcher implements FetchDispatcher {
  private readonly direct = new Agent();
  private readonly proxied: ProxyAgent;
  private readonly noProxy = noProxyHosts();

  constructor(proxyUrl: string) {
    this.proxied = new ProxyAgent(proxyUrl);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    const origin = new URL(String(options.origin));
    const via = bypasses(origin.hostname, this.noProxy) ? this.direct : this.proxied;
    return via.dispatch(options, handler);
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), this.proxied.close()]);
  }

  async destroy(err?: Error | null): Promise<void> {
    await Promise.all([this.direct.destroy(err ?? null), this.proxied.destroy(err ?? null)]);
  }
}

export function create(): FetchDispatcher {
  const proxy = process.env.HTTPS_PROXY ?? process.env.https_proxy ?? process.env.HTTP_PROXY;
  const direct = new Agent();
  if (proxy === undefined) {
    return {
      dispatch: (options, handler) => direct.dispatch(options, handler),
      close: () => direct.close(),
      destroy: (err) => direct.destroy(err ?? null),
    };
  }
  return new SandboxDispatcher(proxy);
}
