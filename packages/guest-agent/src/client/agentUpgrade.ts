import http from 'node:http';
import type { Socket } from 'node:net';
import type { AgentEndpoint } from '@paddock/shared';
import { agentError, rethrow } from './agentErrors.js';
import { answerDeadline } from './answerDeadline.js';
import { endpointTarget, errorFrom } from './transport.js';

/**
 * An HTTP Upgrade to `protocol` on a connection of its own: the raw connection once the agent
 * answered 101. The agent's answer (a 101, or a refusal and its body) must come within
 * `timeoutMs` of the request, and `signal` bounds the opening too; an open connection lives as
 * long as its user wants.
 */
export function upgradeAgent(
  endpoint: AgentEndpoint,
  path: string,
  protocol: string,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<Socket> {
  const deadline = answerDeadline(timeoutMs, outer);
  const signal = deadline.signal;
  const opened = new Promise<Socket>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const req = http.request({
      ...endpointTarget(endpoint),
      agent: false,
      method: 'GET',
      path,
      headers: { connection: 'upgrade', upgrade: protocol },
    });
    req.once('finish', deadline.start);
    const onAbort = (): void => {
      req.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settled = (): void => signal?.removeEventListener('abort', onAbort);
    req.once('upgrade', (res, socket, head) => {
      settled();
      if (res.headers.upgrade?.toLowerCase() !== protocol) {
        socket.destroy();
        reject(agentError('upgraded to an unexpected protocol'));
        return;
      }
      socket.setNoDelay(true);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    // A refusal's body is read under the same deadline: the abort destroys the request.
    req.once('response', (res) => {
      errorFrom(res).then(reject, reject).finally(settled);
    });
    req.on('error', (err) => {
      settled();
      try {
        rethrow(err);
      } catch (e) {
        reject(e);
      }
    });
    req.end();
  });
  return opened.finally(deadline.clear);
}
