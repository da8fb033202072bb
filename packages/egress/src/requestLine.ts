import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Pipelined requests one connection may have waiting; past this the connection is cut. */
const MAX_WAITING = 32;

/**
 * Handles the requests of one client connection one at a time, each once the answer to the one
 * before has closed. HTTP/1.1 answers them in order anyway; without this, a client pipelining
 * thousands of requests on one connection would have the proxy open an upstream connection for
 * each, past any cap on the connections a sandbox may hold.
 */
export class RequestLine {
  private readonly lines = new WeakMap<Socket, { busy: boolean; waiting: (() => void)[] }>();

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse) => void) {}

  /** The server's `request` listener. */
  readonly enter = (req: IncomingMessage, res: ServerResponse): void => {
    const client = req.socket;
    let line = this.lines.get(client);
    if (!line) this.lines.set(client, (line = { busy: false, waiting: [] }));
    const current = line;
    const run = () => {
      current.busy = true;
      res.once('close', () => {
        current.busy = false;
        // An answer that closed the connection (`connection: close`) ends the line: what was
        // pipelined behind it would be sent on and never answered, and a client may retry it.
        if (client.destroyed || !client.writable) {
          current.waiting.length = 0;
          return;
        }
        current.waiting.shift()?.();
      });
      this.handle(req, res);
    };
    if (!current.busy) return run();
    if (current.waiting.length >= MAX_WAITING) {
      client.destroy();
      return;
    }
    current.waiting.push(run);
  };
}

/**
 * Gives `upstream` up when the client's connection closes before it is done: its answer would
 * have nowhere to go, and its upstream connection would stay held meanwhile.
 */
export function endWithClient(client: Socket, upstream: ClientRequest): void {
  const giveUp = () => upstream.destroy();
  client.once('close', giveUp);
  upstream.once('close', () => client.off('close', giveUp));
}
