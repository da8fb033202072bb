import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Paddock } from '@paddock/sdk';
import type { Static, TSchema } from 'typebox';

/** What a tool runs with: the caller's client, the call's signal, and its progress channel. */
export interface ToolContext {
  pd: Paddock;
  signal: AbortSignal;
  /** Reports progress when the caller asked for it (a `progressToken`); a no-op otherwise. */
  progress(progress: number, message: string, total?: number): Promise<void>;
}

/** One MCP tool: its input as a TypeBox schema (the JSON Schema clients see and we validate). */
export interface Tool<S extends TSchema = TSchema> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** Hints for clients: does it only read, or can it destroy something. */
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
  run(args: Static<S>, ctx: ToolContext): Promise<CallToolResult>;
}

/** A tool with its input's static type checked against its schema. */
export function tool<S extends TSchema>(t: Tool<S>): Tool {
  return t as unknown as Tool;
}

/** A result: text an agent can act on, and the same facts as structured content. */
export function reply(text: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text }],
    ...(structured !== undefined ? { structuredContent: structured } : {}),
  };
}

/** A tool error: the call failed and the text says why and what to do. */
export function failure(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { ...reply(text, structured), isError: true };
}
