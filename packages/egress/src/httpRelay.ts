import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { passOn } from './hopByHop.js';
import { endWithClient } from './requestLine.js';

export interface RelayTarget {
  /** The address already decided on (an IP, or the daemon's own host for the control plane). */
  host: string;
  port: number;
  path: string;
  /** The Host header the destination sees: the name the sandbox asked for. */
  host_header: string;
}

/** Idle upstream connections close after this long (what Node's own global agent does). */
export const UPSTREAM_IDLE_MS = 5_000;

/**
 * One sandbox's plain HTTP requests sent on, minus hop-by-hop headers, with their answers
 * streamed back. Its keep-alive connections are its own: a connection left in a bad state by one
 * sandbox (an upstream that mis-frames a body it ignored) never carries another sandbox's
 * request, and all of them close when the sandbox is detached.
 */
export class HttpRelay {
  private readonly agent = new http.Agent({
    keepAlive: true,
    timeout: UPSTREAM_IDLE_MS, // Node applies it to free sockets only
    scheduling: 'lifo',
  });

  /** `onFail` answers the client when the destination fails before its answer began. */
  send(req: IncomingMessage, res: ServerResponse, to: RelayTarget, onFail: () => void): void {
    const client = req.socket;
    // Gone while the decision was made: nothing to send, nobody to answer.
    if (client.destroyed) return;
    const headers = passOn(req.headers);
    headers.host = to.host_header;
    const upstream = http.request(
      {
        agent: this.agent,
        host: to.host,
        port: to.port,
        method: req.method,
        path: to.path,
        headers,
        setHost: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, passOn(up.headers));
        // An answer cut off upstream cuts the client's too (pipe() would leave it open).
        pipeline(up, res, (err) => {
          if (err) res.destroy();
        });
      },
    );
    upstream.on('error', onFail);
    endWithClient(client, upstream);
    req.pipe(upstream);
  }

  /** Closes every connection, in use or idle (the sandbox was detached). */
  close(): void {
    this.agent.destroy();
  }
}
