import { agentKeyVariable } from '@paddock/shared';
import {
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
 * `opencode`: opencode (opencode-ai 1.18) as `opencode run`, its non-interactive mode.
 * `--format json` prints one event per line; `--auto` approves every permission request that
 * the config does not deny (without it, `run` rejects them). It needs no git repository.
 */
export const opencodeProvider: TaskProvider = {
  name: 'opencode',
  // The native binary itself: opencode-ai's .bin entry is a placeholder that its postinstall
  // script replaces.
  tool: { tool: 'opencode', bin: `opencode-linux-${process.arch}/bin/opencode` },
  run(input, ctx) {
    const { prompt, model } = readAgentInput(input);
    const argv = [
      toolPath(ctx, 'opencode'),
      'run',
      '--format',
      'json',
      '--auto',
      ...promptArgs(model, prompt),
    ];
    return { argv, env: opencodeEnv(), parser: opencodeParser() };
  },
  keyVariable: (input) => agentKeyVariable('opencode', readAgentInput(input).model),
};

// The variable each model provider's key is read from lives in @paddock/shared (agentKeys),
// where the console reads it too.
export { opencodeKeyVariable } from '@paddock/shared';

function opencodeEnv(): Record<string, string> {
  const dir = stateDir('opencode');
  return {
    // Config, database and logs, out of the workspace's checkpoints (its cache is in
    // ~/.cache already).
    XDG_CONFIG_HOME: `${dir}/config`,
    XDG_DATA_HOME: `${dir}/data`,
    XDG_STATE_HOME: `${dir}/state`,
    // No self-update, no models.dev refresh (it ships a catalog), no sharing, no language
    // server downloads.
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  };
}

/** A parser per run: the closing line adds up the cost of every step. */
export function opencodeParser(): OutputParser {
  const total = { cost: 0, input: 0, output: 0 };
  const usage = new UsageMeter();
  return jsonEventParser((event) => {
    if (event.type === 'step_finish') meterStep(asObject(event.part) ?? {}, usage);
    return formatOpencodeEvent(event, total);
  }, usage);
}

/** Each step's tokens (cache reads and writes are input too) and cost. */
function meterStep(part: JsonObject, usage: UsageMeter): void {
  const tokens = asObject(part.tokens) ?? {};
  const cache = asObject(tokens.cache) ?? {};
  const cost = asNumber(part.cost);
  usage.add({
    input:
      (asNumber(tokens.input) ?? 0) + (asNumber(cache.read) ?? 0) + (asNumber(cache.write) ?? 0),
    output: asNumber(tokens.output) ?? 0,
    ...(cost === undefined ? {} : { cost }),
  });
}

interface Totals {
  cost: number;
  input: number;
  output: number;
}

/**
 * One `opencode run --format json` event as log lines. The shapes follow the run command of
 * opencode 1.18.33 (packages/opencode/src/cli/cmd/run.ts): `{type, timestamp, sessionID}` plus
 * a message `part` (step_start, text, reasoning, tool_use, step_finish) or an `error`.
 */
export function formatOpencodeEvent(event: JsonObject, total: Totals): string[] {
  const part = asObject(event.part) ?? {};
  switch (event.type) {
    case 'text':
      return [(asString(part.text) ?? '').trim()];
    case 'tool_use':
      return toolUse(part);
    case 'step_finish':
      return [stepFinish(part, total)];
    case 'step_start':
    case 'reasoning':
      return [];
    case 'error':
      return [`Error: ${errorMessage(asObject(event.error) ?? {})}`];
    default:
      return [unknownEvent(event)];
  }
}

/** A tool part is printed once, finished: its input and its output or error together. */
function toolUse(part: JsonObject): string[] {
  const state = asObject(part.state) ?? {};
  const call = toolCall(asString(part.tool) ?? 'tool', state.input);
  if (state.status === 'error') return [call, toolResult(asString(state.error) ?? '', true)];
  return [call, toolResult(asString(state.output) ?? asString(state.title) ?? '')];
}

/** Steps that end in tool calls are followed by more; only the last one closes the run. */
function stepFinish(part: JsonObject, total: Totals): string {
  const tokens = asObject(part.tokens) ?? {};
  total.cost += asNumber(part.cost) ?? 0;
  total.input += asNumber(tokens.input) ?? 0;
  total.output += asNumber(tokens.output) ?? 0;
  const reason = asString(part.reason) ?? 'stop';
  if (reason === 'tool-calls') return '';
  const stats = `${usd(total.cost)} · ${total.input} input tokens · ${total.output} output tokens`;
  return reason === 'stop' ? `Done · ${stats}` : `Stopped (${reason}) · ${stats}`;
}

function errorMessage(error: JsonObject): string {
  const message =
    asString(asObject(error.data)?.message) ?? asString(error.name) ?? 'unknown error';
  return oneLine(message);
}
