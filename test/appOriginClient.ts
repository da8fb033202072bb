/** Requests to the daemon's listener under any Host header, with the path sent as written. */
import http from 'node:http';

export interface RawResponse {
  status: number;
  /** Each header once (a repeated one joined with ", "). */
  headers: Record<string, string | undefined>;
  body: string;
}

export function rawRequest(
  daemonUrl: string,
  host: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const target = new URL(daemonUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: opts.method ?? 'GET',
        path,
        headers: { host, ...opts.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The host and path of a launch URL (its fragment dropped). */
export function splitLaunchUrl(url: string): { host: string; path: string; fragment: string } {
  const u = new URL(url);
  return { host: u.host, path: u.pathname, fragment: u.hash };
}
