import type { UsageMeter } from './usageMeter.js';

/**
 * A task provider turns a task's input into a command in the workspace and its output into a
 * readable log. `command` runs a script; the agent CLIs (claude-code, codex, opencode) run
 * from the shared read-only tool cache, mounted at TOOLS_GUEST_DIR in every sandbox.
 */

/** Turns a CLI's stdout into log text as it arrives (e.g. JSON events into lines). */
export interface OutputParser {
  /** Text to append to the task log for this chunk of stdout (may be empty). */
  push(chunk: string): string;
  /** Whatever is left at the end (a last line without a newline). */
  end(): string;
  /** The model usage the output has reported so far, for CLIs that report it. */
  usage?: UsageMeter;
}

export interface ProviderRun {
  /** What the guest agent executes, in the workspace. */
  argv: string[];
  /** Explicit variables for this run (they pass the agent's credential scrub). */
  env?: Record<string, string>;
  parser: OutputParser;
}

/** An agent CLI installed from the npm registry into the tool cache. */
export interface ToolRef {
  /** The tool's name in @paddock/presets' TOOLS catalog, e.g. `claude-code`. */
  tool: string;
  /**
   * The executable, relative to the tool's node_modules: `.bin/codex`, or a platform package's
   * native binary where the package's own launcher is only put in place by an install script
   * (which the cache never runs on the host).
   */
  bin: string;
}

export interface ProviderContext {
  taskId: string;
  /** The guest path of this provider's tool executable (when it has a tool). */
  toolPath: string | null;
}

export interface TaskProvider {
  readonly name: string;
  readonly tool: ToolRef | null;
  /** `input` has passed the API schema for this provider. */
  run(input: Record<string, unknown>, ctx: ProviderContext): ProviderRun;
  /**
   * The variable the CLI reads its model API key from. The key comes from the app's config
   * (agent_access, sensitive, with an injection rule): the CLI sees a placeholder and the
   * egress proxy puts the key into its requests. The task log says so when it is missing.
   */
  keyVariable?(input: Record<string, unknown>): string;
}

/** Log text passes through unchanged. */
export function passthrough(): OutputParser {
  return { push: (chunk) => chunk, end: () => '' };
}

/**
 * Splits stdout into whole lines and hands each to `line`, which returns the log text for it
 * (or '' to drop it). For CLIs that print one JSON event per line.
 */
export function lineParser(line: (text: string) => string): OutputParser {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      return lines.map(line).join('');
    },
    end() {
      const last = pending;
      pending = '';
      return last === '' ? '' : line(last);
    },
  };
}
