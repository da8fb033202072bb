import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * An HTTP agent whose connections reach one port inside one sandbox (`PreviewSandboxes.openPort`:
 * the driver's direct loopback connection, or the guest agent's bridge). Keep-alive pools them,
 * so a page's many requests reuse a few connections.
 */
export class PortAgent extends http.Agent {
  constructor(private readonly open: () => Promise<Socket>) {
    super({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 60_000 });
  }

  // Node's Agent accepts a socket handed to the callback later (documented on createConnection).
  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.open().then(
      (socket) => callback?.(null, socket),
      (err: unknown) => callback?.(err as Error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
