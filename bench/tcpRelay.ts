/**
 * A bare TCP relay: the least any proxy between two ends can do (no parsing, no policy, bytes
 * both ways with Nagle off, as the egress proxy's CONNECT tunnels do). bench/egress.ts measures
 * it between the same ends as the proxy, so the cost of the hop itself is known in the same run.
 *
 *   node --import tsx bench/tcpRelay.ts <upstream-port> [<upstream-port> ...]
 *
 * Listens on a loopback port per upstream and prints them as one JSON array when ready.
 */
import net from 'node:net';

function relayTo(upstreamPort: number): Promise<number> {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.once('close', close);
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

const ports = await Promise.all(process.argv.slice(2).map((p) => relayTo(Number(p))));
console.log(JSON.stringify(ports));
