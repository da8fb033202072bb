import net, { type Socket } from 'node:net';

/** A CONNECT answered once the destination accepted, then bytes both ways until either ends. */
export function pipeTunnel(client: Socket, head: Buffer, address: string, port: number): void {
  // Relayed bytes go out at once: Nagle would hold a small write back until the last is acked.
  client.setNoDelay(true);
  const upstream = net.connect({ port, host: address, noDelay: true }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', () => {
    if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
    close();
  });
  client.on('error', close);
  client.once('close', close);
  upstream.once('close', close);
}
