import { EventEmitter } from 'node:events';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicContent,
  anthropicError,
  anthropicMessage,
  anthropicStream,
  type SseEvent,
} from './anthropicMessages.js';
import { modelCertificate, type ModelCertificate } from './certificate.js';
import { openaiError, openaiOutput, openaiStream } from './openaiResponses.js';
import type { Play } from './play.js';

/**
 * The scripted model server: a test stand-in for the Anthropic and OpenAI model APIs, on
 * 127.0.0.1 over HTTPS with a certificate for api.anthropic.com and api.openai.com. It answers
 * the planted key only, records every request, and plays a script (see README.md).
 */

export type Api = 'anthropic' | 'openai';

/** How the server answers model requests from now on. */
export type Behaviour =
  /** The play: tool calls turn by turn, then a final message. */
  | { kind: 'play' }
  /** An error status with the API's error body, every time (401, 429, 500, …). */
  | { kind: 'status'; status: number }
  /** A stream that starts, sends part of an answer, then loses its connection. */
  | { kind: 'cut' }
  /** A stream that starts and then sends nothing more, until the server closes. */
  | { kind: 'stall' };

export interface RecordedRequest {
  /** Date.now() when the request arrived. */
  at: number;
  api: Api | 'other';
  method: string;
  /** The path with its query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body, parsed when it is JSON. */
  body: unknown;
  /** What it was answered with: `play`, `unauthorized`, `status 429`, `cut`, `stall`, … */
  answered: string;
}

export interface ScriptedModelOptions {
  /** The key the CLIs' requests must carry (x-api-key, or Authorization: Bearer). */
  anthropicKey: string;
  openaiKey: string;
}

export class ScriptedModelServer extends EventEmitter {
  readonly requests: RecordedRequest[] = [];
  private play: Play | undefined;
  private behaviour: Behaviour = { kind: 'play' };
  private readonly stalled = new Set<ServerResponse>();
  private constructor(
    private readonly server: https.Server,
    readonly certificate: ModelCertificate,
    readonly port: number,
  ) {
    super();
  }

  static async start(o: ScriptedModelOptions): Promise<ScriptedModelServer> {
    const certificate = modelCertificate();
    const handler: { serve?: ScriptedModelServer } = {};
    const server = https.createServer(
      { key: certificate.key, cert: certificate.cert },
      (req, res) => void handler.serve?.handle(req, res, o),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    handler.serve = new ScriptedModelServer(server, certificate, port);
    return handler.serve;
  }

  /** The CA to trust for this server (PADDOCK_EGRESS_UPSTREAM_CA). */
  get caFile(): string {
    return this.certificate.caFile;
  }

  /** `PADDOCK_EGRESS_RESOLVE`: both API hosts to this server. */
  get resolve(): string {
    return `api.anthropic.com=127.0.0.1:${this.port},api.openai.com=127.0.0.1:${this.port}`;
  }

  /** What the next model requests get; the recorded requests are kept. */
  script(play: Play | undefined, behaviour: Behaviour = { kind: 'play' }): void {
    this.play = play;
    this.behaviour = behaviour;
  }

  /** The model requests (not model lists or token counts) since `since` (Date.now()). */
  modelRequests(since = 0): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        r.at >= since && r.method === 'POST' && /^\/v1\/(messages|responses)(\?|$)/.test(r.path),
    );
  }

  /** Streams held open by `stall` right now. */
  get stalledStreams(): number {
    return this.stalled.size;
  }

  /** A one-line account of the requests (never a header or a key), for failure messages. */
  summary(since = 0): string {
    return this.requests
      .filter((r) => r.at >= since)
      .map((r) => `${r.method} ${r.path} → ${r.answered}`)
      .join('; ');
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    this.certificate.remove();
  }

  /** Keeps a stalled answer open (and counted) until its client or the server goes. */
  private hold(res: ServerResponse, record: RecordedRequest): void {
    this.stalled.add(res);
    res.once('close', () => this.stalled.delete(res));
    this.emit('stall', record);
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    o: ScriptedModelOptions,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const api: Api | 'other' = path.startsWith('/v1/messages')
      ? 'anthropic'
      : path.startsWith('/v1/responses') || path.startsWith('/v1/models')
        ? 'openai'
        : 'other';
    const record: RecordedRequest = {
      at: Date.now(),
      api,
      method: req.method ?? '',
      path,
      headers: { ...req.headers },
      body: parseJson(text),
      answered: '',
    };
    this.requests.push(record);
    const answer = (what: string) => {
      record.answered = what;
      this.emit('request', record);
    };
    if (api === 'other') {
      answer('404');
      return json(res, 404, { error: { message: `the scripted model server has no ${path}` } });
    }
    if (!hasKey(api, req.headers, o)) {
      answer('unauthorized');
      return json(res, 401, errorBody(api, 401, UNAUTHORIZED[api]));
    }
    const body = (
      typeof record.body === 'object' && record.body !== null ? record.body : {}
    ) as Record<string, unknown>;
    if (path.startsWith('/v1/messages/count_tokens')) {
      answer('count');
      return json(res, 200, { input_tokens: 100 });
    }
    if (req.method === 'GET' && path.startsWith('/v1/responses')) {
      // Codex tries the Responses API over a WebSocket first; this server speaks only SSE (and
      // Paddock's egress proxy does not pass upgrades on), so it falls back to POST.
      answer('no websocket');
      return json(res, 405, errorBody('openai', 405, 'no WebSocket here: POST /v1/responses'));
    }
    if (path.startsWith('/v1/models')) {
      // Codex asks for its model list; none here means its built-in catalog.
      answer('404');
      return json(res, 404, errorBody('openai', 404, 'no model list here'));
    }
    const b = this.behaviour;
    if (b.kind === 'status') {
      answer(`status ${b.status}`);
      return json(
        res,
        b.status,
        errorBody(api, b.status, MESSAGES[b.status] ?? `status ${b.status}`),
      );
    }
    const model = String(body.model ?? 'scripted-model');
    const events =
      api === 'anthropic'
        ? anthropicStream(model, anthropicContent(this.play, body))
        : openaiStream(model, openaiOutput(this.play, body));
    if (body.stream !== true) {
      // Claude Code falls back to a request without streaming when a stream fails: the
      // behaviour holds for those too.
      if (b.kind === 'stall') {
        answer('stall');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        this.hold(res, record);
        return;
      }
      if (b.kind === 'cut') {
        answer('cut');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"msg_scripted","type":"message",');
        setTimeout(() => res.socket?.destroy(), 100);
        return;
      }
      answer('play');
      return json(
        res,
        200,
        api === 'anthropic'
          ? anthropicMessage(model, anthropicContent(this.play, body))
          : ((events.at(-1)!.data.response as object) ?? {}),
      );
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': `req_scripted${Date.now()}`,
      'x-request-id': `req_scripted${Date.now()}`,
    });
    if (b.kind === 'stall') {
      answer('stall');
      res.write(sse(events[0]!));
      this.hold(res, record);
      return;
    }
    if (b.kind === 'cut') {
      answer('cut');
      // The start and one more event, then the connection goes.
      res.write(events.slice(0, 3).map(sse).join(''));
      setTimeout(() => res.socket?.destroy(), 100);
      return;
    }
    answer('play');
    res.end(events.map(sse).join(''));
  }
}

/** What the real APIs say, near enough (the CLIs show these in their own words). */
const UNAUTHORIZED: Record<Api, string> = {
  anthropic: 'invalid x-api-key',
  openai:
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
};
const MESSAGES: Record<number, string> = {
  429: 'Rate limit reached: this request would exceed the rate limit for your organization.',
  500: 'Internal server error',
  529: 'Overloaded',
};

function hasKey(api: Api, headers: IncomingHttpHeaders, o: ScriptedModelOptions): boolean {
  return api === 'anthropic'
    ? headers['x-api-key'] === o.anthropicKey
    : headers.authorization === `Bearer ${o.openaiKey}`;
}

function errorBody(api: Api, status: number, message: string): object {
  return api === 'anthropic' ? anthropicError(status, message) : openaiError(status, message);
}

function sse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
