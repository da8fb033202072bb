import fs from 'node:fs';
import type { Server, Socket } from 'node:net';
import { ERROR_CODES } from '@paddock/shared';

/**
 * Client connections are capped below the process's open-file limit, so a client holding
 * thousands of idle connections cannot take the descriptors the daemon needs for its database,
 * agent sockets, sandboxes and egress listeners. A connection over the cap gets one 503
 * `too_many_connections` and is closed: an error the client can read, not a crash or a hang.
 */
export const FD_RESERVE = 256;
const MIN_CAP = 64;
const LOG_EVERY_MS = 10_000;

/** The soft `RLIMIT_NOFILE`, from procfs (Node has no getrlimit); null when unlimited or unknown. */
export function openFilesLimit(limitsFile = '/proc/self/limits'): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync(limitsFile, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function connectionCapFor(limit: number | null): number {
  return limit === null ? Infinity : Math.max(MIN_CAP, limit - FD_RESERVE);
}

const body = JSON.stringify({
  error: {
    code: 'too_many_connections',
    message: 'the daemon holds as many connections as it can; retry shortly',
  },
});
const REFUSAL =
  `HTTP/1.1 ${ERROR_CODES.too_many_connections.status} Service Unavailable\r\n` +
  `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
  `retry-after: 1\r\nconnection: close\r\n\r\n${body}`;

/** Counts the server's connections and answers those over `cap` with the refusal. */
export function capConnections(
  server: Server,
  cap: number,
  log: { warn(obj: object, msg: string): void },
): void {
  let open = 0;
  let refused = 0;
  let lastLog = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
    if (open <= cap) return;
    refused++;
    if (Date.now() - lastLog > LOG_EVERY_MS) {
      lastLog = Date.now();
      log.warn({ cap, refused }, 'client connections at the cap: refusing new ones');
    }
    socket.end(REFUSAL, () => socket.destroy());
  });
}
