import dns from 'node:dns';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenAddress, type ResolveOverrides } from '@paddock/egress';
import { PaddockError, type BrokerParams, type BrokerResult } from '@paddock/shared';

/** How the daemon reaches a model API: tests map names to loopback and trust their CA. */
export interface ModelNetwork {
  resolve?: ResolveOverrides;
  ca?: string | Buffer;
  timeoutMs?: number;
}

export interface ModelTarget {
  baseUrl: string;
  model: string;
  apiKey: string;
}

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * One call of the Anthropic Messages API (`POST /v1/messages`, not streamed). The key goes in
 * `x-api-key` and nowhere else; the host is resolved once and refused when it is private
 * (unless a test override maps it), as the egress proxy would.
 */
export async function anthropicComplete(
  target: ModelTarget,
  params: BrokerParams<'app.llm.complete'>,
  net: ModelNetwork,
): Promise<BrokerResult<'app.llm.complete'>> {
  const url = new URL('/v1/messages', target.baseUrl);
  const override = net.resolve?.get(url.hostname);
  // Node connects to an address literal without a lookup, so the lookup's check never runs.
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    throw new PaddockError('model_error', 'the model API must be named by a host name');
  }
  const body = JSON.stringify({
    model: target.model,
    max_tokens: params.max_tokens ?? 1024,
    messages: params.messages,
    ...(params.system !== undefined ? { system: params.system } : {}),
  });
  const { status, text } = await new Promise<{ status: number; text: string }>(
    (resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          servername: url.hostname,
          port: override?.port ?? (url.port === '' ? 443 : Number(url.port)),
          path: url.pathname,
          method: 'POST',
          lookup: checkedLookup(override?.address),
          ...(net.ca ? { ca: net.ca } : {}),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'anthropic-version': '2023-06-01',
            'x-api-key': target.apiKey,
          },
          signal: AbortSignal.timeout(net.timeoutMs ?? 120_000),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER_BYTES) req.destroy(new Error('the answer is too large'));
            else chunks.push(c);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  ).catch((err: unknown) => {
    throw new PaddockError('model_error', `the model API could not be reached: ${describe(err)}`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PaddockError('model_error', `the model API answered ${status} with no JSON object`, {
      status,
    });
  }
  const answer = parsed as Record<string, unknown>;
  if (status !== 200) {
    const type = (answer.error as { type?: unknown } | undefined)?.type;
    throw new PaddockError('model_error', `the model API answered ${status}`, {
      status,
      type: typeof type === 'string' ? type : null,
    });
  }
  const content = Array.isArray(answer.content) ? answer.content : [];
  const usage = (answer.usage ?? {}) as Record<string, unknown>;
  return {
    text: content
      .filter((b): b is { type: 'text'; text: string } => b?.type === 'text')
      .map((b) => b.text)
      .join(''),
    stop_reason: typeof answer.stop_reason === 'string' ? answer.stop_reason : null,
    usage: {
      input_tokens: Number(usage.input_tokens ?? 0),
      output_tokens: Number(usage.output_tokens ?? 0),
    },
  };
}

/**
 * A lookup that answers a test's mapped address, or a public one, or fails. Node asks for every
 * address (`all`) when it races families, else for one.
 */
function checkedLookup(mapped: string | undefined): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (address: string, family: number) => {
      if (options.all) (callback as AllCallback)(null, [{ address, family }]);
      else callback(null, address, family);
    };
    if (mapped !== undefined) return answer(mapped, mapped.includes(':') ? 6 : 4);
    dns.lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const bad = addresses.map((a) => forbiddenAddress(a.address)).find((why) => why !== null);
      const first = addresses[0];
      if (bad || !first) {
        return callback(new Error(`${hostname} resolves to ${bad ?? 'nothing'}`), '', 4);
      }
      answer(first.address, first.family);
    });
  };
}

type AllCallback = (
  err: NodeJS.ErrnoException | null,
  addresses: { address: string; family: number }[],
) => void;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
