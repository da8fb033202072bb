import net from 'node:net';
import { EGRESS_PROXY_PORT } from '@paddock/shared';

/**
 * Listens on 127.0.0.1:EGRESS_PROXY_PORT (the sandbox's own loopback) and pipes each connection
 * to the daemon's egress proxy socket. The agent reads nothing of it: the proxy decides.
 */
export function startEgressRelay(proxySocket: string): net.Server {
  const server = net.createServer((client) => {
    const upstream = net.connect(proxySocket);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // A port already taken by the app means no egress; the agent itself keeps working.
  server.on('error', (err) => console.error('guest-agent: egress relay:', err.message));
  server.listen(EGRESS_PROXY_PORT, '127.0.0.1');
  return server;
}
