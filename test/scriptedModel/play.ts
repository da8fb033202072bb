/**
 * What the scripted model server plays: a fixed sequence of turns, each a few tool calls, then
 * a final message. The turn to answer is read off the conversation a request carries (how many
 * tool results it holds), so a CLI that retries a request gets the same turn again.
 */

/** One tool call the "model" makes. */
export interface ToolCall {
  name: string;
  /**
   * The arguments: an object (a JSON function call), or a string for a freeform tool (Codex's
   * `apply_patch` as an OpenAI custom tool).
   */
  input: Record<string, unknown> | string;
  /** The tool's namespace, for APIs that group tools (the Responses API's `namespace`). */
  namespace?: string;
}

export interface Turn {
  /** Said before the calls, like a model's "Let me…". */
  text?: string;
  calls: ToolCall[];
}

export interface Play {
  turns: Turn[];
  /** The last answer, once every turn's calls have results. */
  final: string;
}

/** The next thing to say, given how many tool results the conversation holds so far. */
export function nextTurn(play: Play, toolResults: number): Turn | { final: string } {
  let seen = toolResults;
  for (const turn of play.turns) {
    if (seen < turn.calls.length) return turn;
    seen -= turn.calls.length;
  }
  return { final: play.final };
}

export function isFinal(step: Turn | { final: string }): step is { final: string } {
  return 'final' in step;
}
