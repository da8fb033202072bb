import { GUEST_WORKSPACE } from '@paddock/shared';
import { lineParser, type OutputParser, type ProviderContext } from './taskProvider.js';
import type { UsageMeter } from './usageMeter.js';

/**
 * What the agent CLI providers share: reading their input, and turning one JSON event per line
 * into short log lines. Each CLI's own event shapes live in its provider file.
 */

/** The input of every agent CLI task, as the API schema guarantees it. */
export interface AgentInput {
  prompt: string;
  model?: string;
}

export type JsonObject = Record<string, unknown>;

/** Where a CLI keeps its own state: `.cache/` is left out of workspace checkpoints. */
export function stateDir(tool: string): string {
  return `${GUEST_WORKSPACE}/.cache/${tool}`;
}

/** The CLI's guest path; the task service resolves it for every provider with a tool. */
export function toolPath(ctx: ProviderContext, provider: string): string {
  if (ctx.toolPath === null) throw new Error(`${provider}: its CLI is not installed`);
  return ctx.toolPath;
}

export function readAgentInput(input: Record<string, unknown>): AgentInput {
  const model = nonEmpty(input.model);
  return { prompt: String(input.prompt), ...(model !== undefined ? { model } : {}) };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const SHORT = 160;

/** The first line of `text`, cut to `max` characters, with a note of what was left out. */
export function oneLine(text: string, max = SHORT): string {
  const lines = text.trim().split('\n');
  const first = (lines[0] ?? '').trimEnd();
  const cut = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  const more = lines.length - 1;
  return more > 0 ? `${cut} (+${more} line${more === 1 ? '' : 's'})` : cut;
}

/** Argument names that say the most about a tool call, most telling first. */
const TELLING_ARGS = [
  'command',
  'cmd',
  'file_path',
  'filePath',
  'path',
  'pattern',
  'url',
  'query',
  'description',
  'prompt',
  'skill',
];

/** A tool call's arguments in a few words: its most telling argument, or a compact list. */
export function summarizeArgs(args: unknown): string {
  const object = asObject(args);
  if (!object) return args === undefined || args === null ? '' : oneLine(String(args));
  for (const key of TELLING_ARGS) {
    const value = asString(object[key]);
    if (value !== undefined && value !== '') return oneLine(value);
  }
  const parts = Object.entries(object).map(([key, value]) => `${key}=${brief(value)}`);
  return oneLine(parts.join(' '));
}

function brief(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (typeof value === 'object' && value !== null) return '{…}';
  return oneLine(String(value), 40);
}

/** A tool call as one log line. */
export function toolCall(name: string, args: unknown): string {
  const summary = summarizeArgs(args);
  return summary === '' ? `→ ${name}` : `→ ${name}: ${summary}`;
}

/** A tool's result as one indented log line. */
export function toolResult(output: string, isError = false): string {
  const text = oneLine(output);
  if (isError) return `  ← error: ${text === '' ? '(no message)' : text}`;
  return `  ← ${text === '' ? '(no output)' : text}`;
}

/** What an event we do not know becomes: just its type, so the log shows something happened. */
export function unknownEvent(event: JsonObject): string {
  return `[${asString(event.type) ?? 'event'}]`;
}

/** `$0.0123`: cost to the hundredth of a cent. */
export function usd(cost: number): string {
  return `$${cost.toFixed(4)}`;
}

/**
 * A parser for CLIs that print one JSON event per line: `format` turns each event into log
 * lines ('' lines are dropped). A line that is not a JSON object (a stray warning, a crash
 * trace) passes through as text, so nothing the CLI says is lost.
 */
export function jsonEventParser(
  format: (event: JsonObject) => string[],
  usage?: UsageMeter,
): OutputParser {
  const parser = lineParser((line) => {
    if (line.trim() === '') return '';
    const event = asObject(parseJson(line));
    if (!event) return `${line}\n`;
    return format(event)
      .filter((text) => text !== '')
      .map((text) => `${text}\n`)
      .join('');
  });
  return usage === undefined ? parser : { ...parser, usage };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The end of every agent CLI's argv: the model when given, then the prompt as one element
 * after `--`, so a prompt that starts with '-' is never read as an option.
 */
export function promptArgs(model: string | undefined, prompt: string): string[] {
  return [...(model !== undefined ? ['--model', model] : []), '--', prompt];
}
