import { randomBytes } from 'node:crypto';
import { isFinal, nextTurn, type Play } from './play.js';

/**
 * Just enough of the Anthropic Messages API (POST /v1/messages), as @anthropic-ai/sdk's types
 * describe it (Message, RawMessageStreamEvent): a streamed answer as server-sent events
 * (message_start, content_block_start/delta/stop, message_delta, message_stop), or a whole
 * Message when the request does not ask to stream.
 */

type Json = Record<string, unknown>;

export interface SseEvent {
  event: string;
  data: Json;
}

const id = (prefix: string) => `${prefix}_scripted${randomBytes(8).toString('hex')}`;

/** Tool results in a request: one per tool call the client has run. */
export function anthropicToolResults(body: Json): number {
  let n = 0;
  for (const message of asArray(body.messages)) {
    for (const block of asArray((message as Json).content)) {
      if ((block as Json).type === 'tool_result') n++;
    }
  }
  return n;
}

/** A conversation with the CLI's tools, as opposed to a side request (a title, a summary). */
export function isAnthropicAgentTurn(body: Json): boolean {
  return asArray(body.tools).length > 0;
}

/** The content blocks of the answer to `body`: the play's next turn, or plain text. */
export function anthropicContent(play: Play | undefined, body: Json): Json[] {
  if (!play || !isAnthropicAgentTurn(body)) return [{ type: 'text', text: 'Scripted answer.' }];
  const step = nextTurn(play, anthropicToolResults(body));
  if (isFinal(step)) return [{ type: 'text', text: step.final }];
  return [
    ...(step.text ? [{ type: 'text', text: step.text }] : []),
    ...step.calls.map((call) => ({
      type: 'tool_use',
      id: id('toolu'),
      name: call.name,
      input: call.input,
    })),
  ];
}

function usage(output: number): Json {
  return {
    input_tokens: 100,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function stopReason(content: Json[]): string {
  return content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
}

/** A whole Message (for `stream: false`). */
export function anthropicMessage(model: string, content: Json[]): Json {
  return {
    id: id('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(content),
    stop_sequence: null,
    usage: usage(20),
  };
}

/** The same answer as the stream of events the API sends for `stream: true`. */
export function anthropicStream(model: string, content: Json[]): SseEvent[] {
  const events: SseEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { ...anthropicMessage(model, []), stop_reason: null, usage: usage(1) },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  content.forEach((block, index) => {
    const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index, content_block: start },
    });
    for (const delta of blockDeltas(block)) {
      events.push({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta },
      });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: stopReason(content), stop_sequence: null },
        usage: { output_tokens: 20 },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

/** Text and tool input in two pieces each, as a real stream splits them. */
function blockDeltas(block: Json): Json[] {
  if (block.type === 'tool_use') {
    const json = JSON.stringify(block.input);
    return halves(json).map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  }
  return halves(String(block.text)).map((text) => ({ type: 'text_delta', text }));
}

function halves(text: string): string[] {
  const mid = Math.floor(text.length / 2);
  return [text.slice(0, mid), text.slice(mid)].filter((part) => part !== '');
}

/** The error body the API answers with (`{type: 'error', error: {type, message}}`). */
export function anthropicError(status: number, message: string): Json {
  const type =
    status === 401
      ? 'authentication_error'
      : status === 429
        ? 'rate_limit_error'
        : status === 529
          ? 'overloaded_error'
          : status >= 500
            ? 'api_error'
            : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
