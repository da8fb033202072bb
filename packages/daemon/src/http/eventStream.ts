import type { ServerResponse } from 'node:http';

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
