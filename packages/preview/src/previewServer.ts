import http from 'node:http';
import type { Duplex } from 'node:stream';
import { sendPreviewPage } from './previewPages.js';
import type { PreviewProxy } from './previewProxy.js';

/** Answers an upgrade that is not a preview's (the API's WebSockets). */
export type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * One listener for the API, the console and every preview: a request whose Host names a
 * preview goes to the preview proxy before `handler` (the daemon's Fastify) sees it; everything
 * else is the handler's. Upgrades likewise: a preview host's go to the proxy, any other's to
 * `upgrade` (404 without one).
 */
export function createPreviewAwareServer(
  handler: http.RequestListener,
  preview: PreviewProxy,
  upgrade?: UpgradeListener,
): http.Server {
  const server = http.createServer((req, res) => {
    const target = preview.target(req);
    if (target === null) {
      handler(req, res);
      return;
    }
    preview.handle(req, res, target).catch((err: unknown) => {
      server.emit('previewError', err);
      if (!res.headersSent) sendPreviewPage(res, 502, 'Preview unavailable', 'The request failed.');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = preview.target(req);
    if (target !== null) {
      preview.handleUpgrade(req, socket, head, target).catch(() => socket.destroy());
    } else if (upgrade) {
      upgrade(req, socket, head);
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });
  preview.install(server);
  return server;
}
