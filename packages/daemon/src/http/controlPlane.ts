import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PLANE_HOST } from '@paddock/shared';
import { misdirected } from './consoleHosts.js';
import { withApiHeaders } from './securityHeaders.js';

/** `paddock.internal`, with or without HTTP's default port: what a sandbox's client sends. */
const HOSTS = new Set([CONTROL_PLANE_HOST, `${CONTROL_PLANE_HOST}:80`]);

/**
 * The sandboxes' way to the API (`http://paddock.internal`), apart from the public listener.
 * The egress proxy, which knows a request is a sandbox's by the socket it came on, relays it
 * here: a listener of its own on loopback (an ephemeral port), which answers only Host
 * `paddock.internal` and hands requests straight to the API (no previews, no app origins, no
 * console host rules). So the public listener never has to honour `paddock.internal`, which a
 * rebinding page could otherwise name, and a Host a sandbox forges inside a tunnel reaches no
 * more than `paddock.internal` does.
 */
export class ControlPlane {
  private server: http.Server | undefined;
  private handler: http.RequestListener | undefined;

  /** The API's request handler (Fastify's), given by the server factory. */
  serve(handler: http.RequestListener): void {
    this.handler = handler;
  }

  async listen(): Promise<void> {
    const handler = this.handler;
    if (!handler) throw new Error('the control plane has no handler');
    const server = http.createServer(
      withApiHeaders((req, res) => {
        if (req.headers.host !== undefined && HOSTS.has(req.headers.host.toLowerCase())) {
          handler(req, res);
        } else {
          misdirected(req, res);
        }
      }),
    );
    server.on('upgrade', (_req, socket) => {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Where the egress proxy sends requests for `paddock.internal`. */
  address(): { host: string; port: number } {
    const address = this.server?.address() as AddressInfo | null | undefined;
    // Not listening yet (no sandbox is served before it is) or closed: a port nothing answers.
    return { host: '127.0.0.1', port: address?.port ?? 0 };
  }

  /** Refuses new connections and ends the open ones (the API closes after this). */
  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests had the drain the API gave its own; what is left is cut.
      setTimeout(() => server.closeAllConnections(), 5_000).unref();
    });
  }
}
