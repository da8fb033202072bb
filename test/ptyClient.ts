import WebSocket from 'ws';

export interface OpenOptions {
  token?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface PtyControlMessage {
  type: string;
  [k: string]: unknown;
}

/**
 * A terminal opened through the API's WebSocket, as a test drives it: bytes typed, bytes read
 * (kept raw and decoded as a whole, so a character split across messages reads whole), control
 * messages received, and how the socket closed.
 */
export class TestTerminal {
  private bytes: Buffer = Buffer.alloc(0);
  private mark = 0;
  readonly controls: PtyControlMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.bytes = Buffer.concat([this.bytes, data]);
      else this.controls.push(JSON.parse(data.toString('utf8')) as PtyControlMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Opens `/v1/sandboxes/{id}/pty`; rejects with the HTTP status when it is refused. */
  static open(daemonUrl: string, sandboxId: string, opts: OpenOptions = {}): Promise<TestTerminal> {
    return TestTerminal.openPath(daemonUrl, `/v1/sandboxes/${sandboxId}/pty`, opts);
  }

  static openPath(daemonUrl: string, path: string, opts: OpenOptions = {}): Promise<TestTerminal> {
    const url = new URL(`${daemonUrl.replace(/^http/, 'ws')}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const term = new TestTerminal(ws);
      ws.once('open', () => resolve(term));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          // ws leaves a refused handshake's connection open to whoever handles this event.
          req.destroy();
          reject(new RefusedUpgrade(res.statusCode ?? 0, body));
        });
      });
      ws.once('error', reject);
    });
  }

  /** Everything the terminal printed, decoded. */
  get text(): string {
    return this.bytes.toString('utf8');
  }

  type(s: string | Buffer): void {
    this.ws.send(typeof s === 'string' ? Buffer.from(s, 'utf8') : s, { binary: true });
  }

  control(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /**
   * Waits until the output after the last match matches `re`; returns the match and moves the
   * mark past it, so the same text is not matched twice.
   */
  async until(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.bytes.subarray(this.mark).toString('utf8');
      const m = re.exec(text);
      if (m) {
        this.mark += Buffer.byteLength(text.slice(0, m.index + m[0].length), 'utf8');
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a control message of `type`. */
  async received(type: string, timeoutMs = 20_000): Promise<PtyControlMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.controls.find((c) => c.type === type);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message; got ${JSON.stringify(this.controls)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

export class RefusedUpgrade extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}
