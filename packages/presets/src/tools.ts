import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TOOLS_DIR = fileURLToPath(new URL('../tools/', import.meta.url));

/**
 * An agent CLI installed from the npm registry into the shared read-only cache (like a
 * preset's dependencies), so tasks run it without an install in every workspace. Its pinned
 * package.json and package-lock.json live in `tools/<tool>/`.
 */
export interface ToolDefinition {
  /** The cache entry's name, `tool-<tool>`; distinct from every preset's. */
  readonly name: string;
  readonly tool: string;
  readonly dependencies: 'npm';
  readonly templateDir: string;
}

const NAMES = ['claude-code', 'codex', 'opencode'] as const;

export const TOOLS: readonly ToolDefinition[] = NAMES.map((tool) =>
  Object.freeze({
    name: `tool-${tool}`,
    tool,
    dependencies: 'npm' as const,
    templateDir: path.join(TOOLS_DIR, tool),
  }),
);

export function getTool(tool: string): ToolDefinition | undefined {
  return TOOLS.find((t) => t.tool === tool);
}
