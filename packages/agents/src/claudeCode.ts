import { agentKeyVariable } from '@paddock/shared';
import {
  asArray,
  asNumber,
  asObject,
  asString,
  jsonEventParser,
  oneLine,
  promptArgs,
  readAgentInput,
  stateDir,
  toolCall,
  toolPath,
  toolResult,
  unknownEvent,
  usd,
  type JsonObject,
} from './agentCli.js';
import type { OutputParser, TaskProvider } from './taskProvider.js';
import { UsageMeter } from './usageMeter.js';

/**
 * `claude-code`: Claude Code (@anthropic-ai/claude-code 2.1.x) in print mode. `--print` runs
 * one prompt and exits; `--output-format stream-json` (which print mode only allows with
 * `--verbose`) prints one JSON message per line; `--dangerously-skip-permissions` lets it edit
 * and run commands without asking, since the sandbox is the boundary. Print mode skips the
 * workspace trust dialog and needs no git repository.
 */
export const claudeCodeProvider: TaskProvider = {
  name: 'claude-code',
  // The native binary itself: @anthropic-ai/claude-code's .bin entry is a placeholder that
  // its postinstall script replaces.
  tool: { tool: 'claude-code', bin: `@anthropic-ai/claude-code-linux-${process.arch}/claude` },
  run(input, ctx) {
    const { prompt, model } = readAgentInput(input);
    const argv = [
      toolPath(ctx, 'claude-code'),
      '--print',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      ...promptArgs(model, prompt),
    ];
    return { argv, env: claudeEnv(), parser: claudeParser() };
  },
  // Sent as `x-api-key` to api.anthropic.com.
  keyVariable: () => agentKeyVariable('claude-code'),
};

/** A parser per run: the closing `result` message carries the run's usage and cost. */
export function claudeParser(): OutputParser {
  const usage = new UsageMeter();
  return jsonEventParser((event) => {
    if (event.type === 'result') meterResult(event, usage);
    return formatClaudeEvent(event);
  }, usage);
}

function meterResult(event: JsonObject, usage: UsageMeter): void {
  const tokens = asObject(event.usage) ?? {};
  const cost = asNumber(event.total_cost_usd);
  usage.total({
    input:
      (asNumber(tokens.input_tokens) ?? 0) +
      (asNumber(tokens.cache_creation_input_tokens) ?? 0) +
      (asNumber(tokens.cache_read_input_tokens) ?? 0),
    output: asNumber(tokens.output_tokens) ?? 0,
    ...(cost === undefined ? {} : { cost }),
  });
}

function claudeEnv(): Record<string, string> {
  return {
    // Its settings, sessions and ~/.claude.json, out of the workspace's checkpoints.
    CLAUDE_CONFIG_DIR: stateDir('claude'),
    // Telemetry, error reports, auto-update checks and other non-essential requests off.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Says the sandbox is deliberate: without it, skipping permissions is refused when the
    // guest user is root (as it may be in a VM).
    IS_SANDBOX: '1',
  };
}

/**
 * One stream-json message as log lines. The shapes follow the Agent SDK's SDKMessage types as
 * Claude Code 2.1.332 prints them: `system` (subtype `init`, `api_retry`, …), `assistant` and
 * `user` (an Anthropic API message in `message`), and a closing `result`.
 */
export function formatClaudeEvent(event: JsonObject): string[] {
  switch (event.type) {
    case 'system':
      return [formatSystem(event)];
    case 'assistant':
      return contentBlocks(event).map(formatAssistantBlock);
    case 'user':
      return contentBlocks(event).map(formatToolResult);
    case 'result':
      return [formatResult(event)];
    case 'stream_event':
      // Partial deltas (only with --include-partial-messages); the whole message follows.
      return [];
    default:
      return [unknownEvent(event)];
  }
}

function formatSystem(event: JsonObject): string {
  const subtype = asString(event.subtype) ?? '';
  if (subtype === 'init') {
    const version = asString(event.claude_code_version);
    return `Claude Code${version ? ` ${version}` : ''} · model ${asString(event.model) ?? '?'}`;
  }
  if (subtype === 'api_retry') {
    const status = asNumber(event.error_status);
    const why = [asString(event.error), status === undefined ? '' : `HTTP ${status}`]
      .filter(Boolean)
      .join(', ');
    return `API retry ${asNumber(event.attempt) ?? '?'}/${asNumber(event.max_retries) ?? '?'}${why ? `: ${why}` : ''}`;
  }
  return `[system:${subtype}]`;
}

function contentBlocks(event: JsonObject): JsonObject[] {
  // A user message's content may be a plain string (a prompt, not a tool result).
  return asArray(asObject(event.message)?.content)
    .map(asObject)
    .filter((block): block is JsonObject => block !== undefined);
}

function formatAssistantBlock(block: JsonObject): string {
  switch (block.type) {
    case 'text':
      return (asString(block.text) ?? '').trim();
    case 'tool_use':
      return toolCall(asString(block.name) ?? 'tool', block.input);
    case 'thinking':
    case 'redacted_thinking':
      return '';
    default:
      return unknownEvent(block);
  }
}

function formatToolResult(block: JsonObject): string {
  if (block.type !== 'tool_result') return '';
  return toolResult(toolResultText(block.content), block.is_error === true);
}

/** A tool result's content is a string or a list of blocks (text, images). */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => {
      const block = asObject(part);
      return block?.type === 'text' ? (asString(block.text) ?? '') : `[${String(block?.type)}]`;
    })
    .join('\n');
}

function formatResult(event: JsonObject): string {
  const turns = asNumber(event.num_turns);
  const cost = asNumber(event.total_cost_usd);
  const ms = asNumber(event.duration_ms);
  const stats = [
    turns === undefined ? '' : `${turns} turn${turns === 1 ? '' : 's'}`,
    cost === undefined ? '' : usd(cost),
    ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`,
  ].filter(Boolean);
  // `is_error` decides: an API failure still says subtype `success`.
  if (event.is_error === true) {
    const errors = asArray(event.errors).map(String).join('; ');
    const why = asString(event.result) || errors || asString(event.subtype) || 'error';
    return [`Failed: ${oneLine(why)}`, ...stats].join(' · ');
  }
  return ['Done', ...stats].join(' · ');
}
