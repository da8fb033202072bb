import { agentKeyVariable, GUEST_WORKSPACE } from '@paddock/shared';
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
  summarizeArgs,
  toolCall,
  toolPath,
  toolResult,
  unknownEvent,
  type JsonObject,
} from './agentCli.js';
import type { OutputParser, TaskProvider } from './taskProvider.js';
import { UsageMeter } from './usageMeter.js';

/**
 * `codex`: OpenAI Codex CLI (@openai/codex 0.171) as `codex exec`, its non-interactive mode.
 * `--json` prints one event per line; `--dangerously-bypass-approvals-and-sandbox` never asks
 * and skips Codex's own sandbox (which cannot nest inside Paddock's, and need not);
 * `--skip-git-repo-check` lets it run in a workspace that is not yet a git repository.
 */
const PROVIDER_ID = 'paddock-openai';
/** TOML, as `-c` takes it: the key from CODEX_API_KEY, sent as `Authorization: Bearer`. */
const OPENAI_PROVIDER =
  '{ name = "OpenAI", base_url = "https://api.openai.com/v1", env_key = "CODEX_API_KEY", ' +
  'wire_api = "responses", supports_websockets = false, request_max_retries = 2, ' +
  'stream_max_retries = 2 }';

export const codexProvider: TaskProvider = {
  name: 'codex',
  tool: { tool: 'codex', bin: '.bin/codex' },
  run(input, ctx) {
    const { prompt, model } = readAgentInput(input);
    const argv = [
      toolPath(ctx, 'codex'),
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-c',
      'analytics.enabled=false',
      '-c',
      'check_for_update_on_startup=false',
      // Commands Codex runs keep the workspace as their home (see codexEnv).
      '-c',
      `shell_environment_policy.set.HOME="${GUEST_WORKSPACE}"`,
      // OpenAI's Responses API as a provider of our own: the built-in one tries a WebSocket
      // first on every run (7 attempts, ~10 s), which the egress proxy's key injection cannot
      // carry, and cannot be told not to.
      '-c',
      `model_providers.${PROVIDER_ID}=${OPENAI_PROVIDER}`,
      '-c',
      `model_provider="${PROVIDER_ID}"`,
      ...promptArgs(model, prompt),
    ];
    return { argv, env: codexEnv(), parser: codexParser() };
  },
  // What `codex exec` reads; sent as `Authorization: Bearer …` to api.openai.com.
  keyVariable: () => agentKeyVariable('codex'),
};

/** A parser per run: each `turn.completed` adds its tokens (Codex reports no cost). */
export function codexParser(): OutputParser {
  const usage = new UsageMeter();
  return jsonEventParser((event) => {
    if (event.type === 'turn.completed') {
      const tokens = asObject(event.usage) ?? {};
      usage.add({
        input: asNumber(tokens.input_tokens) ?? 0,
        output: asNumber(tokens.output_tokens) ?? 0,
      });
    }
    return formatCodexEvent(event);
  }, usage);
}

function codexEnv(): Record<string, string> {
  return {
    // Codex keeps its state (sqlite databases, sessions, skills) in ~/.codex. CODEX_HOME would
    // have to exist beforehand, but ~/.codex is created on demand, so HOME moves instead: into
    // `.cache/`, which workspace checkpoints leave out.
    HOME: stateDir('codex'),
  };
}

/**
 * One `codex exec --json` event as log lines. The shapes follow codex-rs/exec/src/exec_events.rs
 * (ThreadEvent, ThreadItem) as of Codex 0.171: thread/turn lifecycle events, `error`, and
 * `item.started` / `item.updated` / `item.completed` carrying a typed item.
 */
export function formatCodexEvent(event: JsonObject): string[] {
  switch (event.type) {
    case 'thread.started':
      return [`Codex thread ${asString(event.thread_id) ?? '?'}`];
    case 'turn.started':
    case 'item.updated':
    case 'item.plan.delta':
      // Progress noise: each item's final state arrives with item.completed.
      return [];
    case 'item.started':
      return [itemStarted(asObject(event.item) ?? {})];
    case 'item.completed':
      return itemCompleted(asObject(event.item) ?? {});
    case 'turn.completed':
      return [turnCompleted(asObject(event.usage) ?? {})];
    case 'turn.failed':
      return [`Failed: ${errorMessage(event.error)}`];
    case 'error':
      return [`Error: ${errorMessage(event)}`];
    default:
      return [unknownEvent(event)];
  }
}

/** Calls are logged when they start, so a long command shows before it ends. */
function itemStarted(item: JsonObject): string {
  switch (item.type) {
    case 'command_execution':
      return toolCall('shell', asString(item.command) ?? '');
    case 'mcp_tool_call':
      return toolCall(`${asString(item.server)}.${asString(item.tool)}`, item.arguments);
    default:
      return '';
  }
}

function itemCompleted(item: JsonObject): string[] {
  switch (item.type) {
    case 'agent_message':
    case 'plan':
      return [(asString(item.text) ?? '').trim()];
    case 'reasoning':
      return [];
    case 'command_execution':
      return [commandResult(item)];
    case 'file_change':
      return fileChange(item);
    case 'mcp_tool_call':
      return [mcpResult(item)];
    case 'web_search':
      return [toolCall('web_search', asString(item.query) ?? '')];
    case 'todo_list':
      return [`Plan: ${todoList(item)}`];
    case 'error':
      return [`Error: ${errorMessage(item)}`];
    default:
      return [unknownEvent(item)];
  }
}

function commandResult(item: JsonObject): string {
  const output = asString(item.aggregated_output) ?? '';
  if (item.status === 'declined') return toolResult('declined', true);
  const exit = asNumber(item.exit_code);
  if (exit === undefined || exit === 0) return toolResult(output);
  return toolResult(`exit ${exit}${output.trim() ? `: ${output}` : ''}`, true);
}

/** A patch arrives whole, when applied: the call and its outcome in one event. */
function fileChange(item: JsonObject): string[] {
  const changes = asArray(item.changes)
    .map(asObject)
    .map((change) => `${asString(change?.kind) ?? 'update'} ${asString(change?.path) ?? '?'}`);
  const call = toolCall('patch', changes.join(', '));
  return item.status === 'failed' ? [call, toolResult('patch failed', true)] : [call];
}

function mcpResult(item: JsonObject): string {
  const error = asObject(item.error);
  if (error) return toolResult(errorMessage(error), true);
  const content = asArray(asObject(item.result)?.content).map((part) => {
    const block = asObject(part);
    return block?.type === 'text' ? (asString(block.text) ?? '') : summarizeArgs(block);
  });
  return toolResult(content.join('\n'));
}

function todoList(item: JsonObject): string {
  const steps = asArray(item.items)
    .map(asObject)
    .map((step) => `[${step?.completed === true ? 'x' : ' '}] ${asString(step?.text) ?? ''}`);
  return oneLine(steps.join('; '));
}

function turnCompleted(usage: JsonObject): string {
  const input = asNumber(usage.input_tokens) ?? 0;
  const cached = asNumber(usage.cached_input_tokens) ?? 0;
  const output = asNumber(usage.output_tokens) ?? 0;
  // Codex reports tokens, not cost.
  return `Done · ${input} input tokens (${cached} cached) · ${output} output tokens`;
}

function errorMessage(value: unknown): string {
  return oneLine(asString(asObject(value)?.message) ?? 'unknown error');
}
