import { randomBytes } from 'node:crypto';
import type { SseEvent } from './anthropicMessages.js';
import { isFinal, nextTurn, type Play } from './play.js';

/**
 * Just enough of the OpenAI Responses API (POST /v1/responses with `stream: true`), as the
 * `openai` package's types describe it (Response, ResponseStreamEvent): response.created, then
 * per output item output_item.added, its deltas and output_item.done, then response.completed.
 * Function calls carry JSON arguments; custom (freeform) tool calls carry a string input.
 */

type Json = Record<string, unknown>;

const id = (prefix: string) => `${prefix}_scripted${randomBytes(8).toString('hex')}`;

const RESULT_TYPES = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'local_shell_call_output',
]);

/** Tool results in a request's input: one per tool call the client has run. */
export function openaiToolResults(body: Json): number {
  const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
  return input.filter((item) => RESULT_TYPES.has(String(item.type))).length;
}

/**
 * Every tool a request offers, flattened: from `tools`, and from `additional_tools` input items
 * (where Codex 0.171 declares them), namespaces opened.
 */
export function openaiTools(body: Json): Json[] {
  const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
  const declared = [
    ...(Array.isArray(body.tools) ? (body.tools as Json[]) : []),
    ...input
      .filter((item) => item.type === 'additional_tools')
      .flatMap((item) => asJsonArray(item.tools)),
  ];
  const open = (tools: Json[]): Json[] =>
    tools.flatMap((tool) => (tool.type === 'namespace' ? open(asJsonArray(tool.tools)) : [tool]));
  return open(declared);
}

function asJsonArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** The names of the request's freeform (custom) tools, which take a string, not JSON. */
function customTools(body: Json): Set<string> {
  return new Set(
    openaiTools(body)
      .filter((t) => t.type === 'custom')
      .map((t) => String(t.name)),
  );
}

/** The output items answering `body`: the play's next turn, or a plain message. */
export function openaiOutput(play: Play | undefined, body: Json): Json[] {
  if (!play || openaiTools(body).length === 0) return [message('Scripted answer.')];
  const step = nextTurn(play, openaiToolResults(body));
  if (isFinal(step)) return [message(step.final)];
  const custom = customTools(body);
  return [
    ...(step.text ? [message(step.text)] : []),
    ...step.calls.map((call) =>
      custom.has(call.name) || typeof call.input === 'string'
        ? {
            id: id('ctc'),
            type: 'custom_tool_call',
            status: 'completed',
            call_id: id('call'),
            name: call.name,
            ...(call.namespace ? { namespace: call.namespace } : {}),
            input: typeof call.input === 'string' ? call.input : JSON.stringify(call.input),
          }
        : {
            id: id('fc'),
            type: 'function_call',
            status: 'completed',
            call_id: id('call'),
            name: call.name,
            arguments: JSON.stringify(call.input),
          },
    ),
  ];
}

function message(text: string): Json {
  return {
    id: id('msg'),
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

function response(model: string, status: string, output: Json[]): Json {
  return {
    id: id('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    error: null,
    incomplete_details: null,
    usage:
      status === 'completed'
        ? {
            input_tokens: 100,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: 20,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 120,
          }
        : null,
  };
}

/** The answer as the events of a streamed response. */
export function openaiStream(model: string, output: Json[]): SseEvent[] {
  const events: SseEvent[] = [];
  let sequence_number = 0;
  const push = (data: Json) =>
    events.push({
      event: String(data.type),
      data: { ...data, sequence_number: sequence_number++ },
    });
  const started = response(model, 'in_progress', []);
  push({ type: 'response.created', response: started });
  push({ type: 'response.in_progress', response: started });
  output.forEach((item, output_index) => {
    const item_id = String(item.id);
    if (item.type === 'message') {
      const text = String(((item.content as Json[])[0] as Json).text);
      push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      push({ type: 'response.content_part.added', item_id, output_index, content_index: 0, part });
      push({
        type: 'response.output_text.delta',
        item_id,
        output_index,
        content_index: 0,
        delta: text,
        logprobs: [],
      });
      push({
        type: 'response.output_text.done',
        item_id,
        output_index,
        content_index: 0,
        text,
        logprobs: [],
      });
      push({
        type: 'response.content_part.done',
        item_id,
        output_index,
        content_index: 0,
        part: { ...part, text },
      });
    } else if (item.type === 'function_call') {
      push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      push({
        type: 'response.function_call_arguments.delta',
        item_id,
        output_index,
        delta: item.arguments,
      });
      push({
        type: 'response.function_call_arguments.done',
        item_id,
        output_index,
        arguments: item.arguments,
      });
    } else {
      push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', input: '' },
      });
      push({
        type: 'response.custom_tool_call_input.delta',
        item_id,
        output_index,
        delta: item.input,
      });
      push({
        type: 'response.custom_tool_call_input.done',
        item_id,
        output_index,
        input: item.input,
      });
    }
    push({ type: 'response.output_item.done', output_index, item });
  });
  push({
    type: 'response.completed',
    response: { ...response(model, 'completed', output), id: started.id },
  });
  return events;
}

/** The error body the API answers with (`{error: {message, type, param, code}}`). */
export function openaiError(status: number, message: string): Json {
  const [type, code] =
    status === 401
      ? ['invalid_request_error', 'invalid_api_key']
      : status === 429
        ? ['requests', 'rate_limit_exceeded']
        : status >= 500
          ? ['server_error', 'server_error']
          : ['invalid_request_error', null];
  return { error: { message, type, param: null, code } };
}
