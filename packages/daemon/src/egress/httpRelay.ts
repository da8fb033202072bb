import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { passOn } from './hopByHop.js';

export interface RelayTarget {
  /** The address already decided on (an IP, or the daemon's own host for the control plane). */
  host: string;
  port: number;
  path: string;
  /** The Host header the destination sees: the name the sandbox asked for. */
  host_header: string;
}

/**
 * Plain HTTP requests sent on, minus hop-by-hop headers, with their answers streamed back, over
 * keep-alive connections per destination. undici rather than `http.request`: per request it
 * costs the daemon about 35 µs of CPU instead of 49 µs (`npm run bench:egress`), and the proxy
 * is the one hop every request out of every sandbox takes.
 */
export class HttpRelay {
  // No timeouts of its own, like the direct connection it stands in for: a long poll or an
  // event stream may stay quiet for as long as it likes.
  private readonly agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

  /** Resolves once the answer was passed on; rejects when the destination failed first. */
  async send(req: IncomingMessage, res: ServerResponse, to: RelayTarget): Promise<void> {
    const headers = passOn(req.headers);
    headers.host = to.host_header;
    // Node's server already answered the client's 100-continue; undici does not take it.
    delete headers.expect;
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    // undici takes an EventEmitter as the signal too, and one costs far less than an
    // AbortController (whose EventTarget listeners are slow) on a path this hot.
    const gone = new EventEmitter() as EventEmitter & { aborted?: boolean };
    const onClose = () => {
      if (res.writableFinished) return;
      gone.aborted = true;
      gone.emit('abort');
    };
    res.once('close', onClose);
    try {
      await this.agent.stream(
        {
          origin: `http://${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}`,
          path: to.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: headers as Record<string, string | string[]>,
          body: hasBody ? req : null,
          signal: gone,
        },
        ({ statusCode, headers: answer }) => {
          res.writeHead(statusCode, passOn(answer as http.IncomingHttpHeaders));
          return res;
        },
      );
    } finally {
      res.off('close', onClose);
    }
  }

  close(): void {
    void this.agent.close().catch(() => undefined);
  }
}
