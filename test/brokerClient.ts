/** Broker calls for the daemon's tests: as a window (an app session) or as a service's sandbox. */
import path from 'node:path';
import { AppSessions } from '@paddock/broker';
import { stateKey } from '@paddock/keys';
import { APP_SESSION_HEADER } from '@paddock/shared';
import type { TestDaemon } from './harness.js';

export interface BrokerAnswer {
  status: number;
  body: { result?: unknown; error?: { code: string; message: string; details?: unknown } };
}

/**
 * App sessions signed with the daemon's own key (the launch route issues the same ones), bound
 * to the admin token the tests call with.
 */
export class TestWindows {
  private sessions: AppSessions | undefined;

  constructor(private readonly d: TestDaemon) {}

  async open(appId: string, version: number, token = this.d.token): Promise<string> {
    this.sessions ??= new AppSessions(
      stateKey(path.join(this.d.dataDir, 'state'), 'app-session-key'),
    );
    const s = await this.sessions.issue({
      appId,
      version,
      keyId: 'admin-token',
      binding: this.sessions.bind(token),
    });
    return s.token;
  }
}

/** POST /v1/broker/call with a bearer token and, for a window, its app session. */
export async function brokerCall(
  url: string,
  auth: { token?: string; session?: string },
  method: string,
  params?: unknown,
): Promise<BrokerAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.session) headers[APP_SESSION_HEADER] = auth.session;
  const res = await fetch(`${url}/v1/broker/call`, {
    method: 'POST',
    headers,
    body: JSON.stringify(params === undefined ? { method } : { method, params }),
  });
  return { status: res.status, body: (await res.json()) as BrokerAnswer['body'] };
}
