import type { ServerResponse } from 'node:http';
import { encodeSseFrame } from '@paddock/shared';
import { daemonStopping } from './daemonStopping.js';

/** Whether the client asked for server-sent events rather than a JSON answer. */
export function wantsStream(accept: string | undefined): boolean {
  return /\btext\/event-stream\b/i.test(accept ?? '');
}

/** Starts a server-sent-events answer; `x-accel-buffering: no` keeps proxies from holding it. */
export function openEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  // Sent now, not with the first event: a follower of something quiet learns it is following.
  res.flushHeaders();
}

/** How often an idle stream gets a comment line (heartbeat). */
export const HEARTBEAT_MS = 15_000;

/**
 * Writes an SSE comment line every `ms` until the stream closes, so proxies do not time an idle
 * stream out and a client can tell a quiet stream from a dead one. Parsers skip comments.
 */
export function startHeartbeat(res: ServerResponse, ms: number = HEARTBEAT_MS): () => void {
  const timer = setInterval(() => {
    if (!res.destroyed && !res.writableEnded) res.write(':\n\n');
  }, ms);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  res.once('close', stop);
  return stop;
}

/**
 * Ends an open event stream when the daemon stops (the drain deadline, `app.stopping`): one last
 * `error` event `{code: "daemon_stopping", message}`, then the end, so a client can tell a
 * stopping daemon from a broken connection. Routes write nothing after the stream has ended.
 */
export function endOnStop(res: ServerResponse, stopping: AbortSignal, ended?: string): void {
  const end = (): void => {
    if (res.destroyed || res.writableEnded) return;
    const { code, message } = daemonStopping(ended);
    res.end(encodeSseFrame({ event: 'error', data: { code, message } }));
  };
  if (stopping.aborted) return end();
  stopping.addEventListener('abort', end, { once: true });
  res.once('close', () => stopping.removeEventListener('abort', end));
}
