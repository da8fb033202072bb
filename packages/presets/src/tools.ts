import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TOOLS_DIR = fileURLToPath(new URL('../tools/', import.meta.url));

/**
 * A tool installed from the npm registry into the shared read-only cache (like a preset's
 * dependencies), so sandboxes run it without an install in every workspace: an agent CLI that
 * tasks run, or a package manager (pnpm, yarn) that projects without a preset install with
 * (ADR 0029). Its pinned package.json and package-lock.json live in `tools/<tool>/`.
 */
export interface ToolDefinition {
  /** The cache entry's name, `tool-<tool>`; distinct from every preset's. */
  readonly name: string;
  readonly tool: string;
  readonly dependencies: 'npm';
  readonly templateDir: string;
  /**
   * A package manager's entry script, relative to its node_modules: what the command of the
   * same name on every sandbox's PATH runs. Agent CLIs have none (tasks call them by path).
   */
  readonly command?: string;
}

const AGENT_CLIS = ['claude-code', 'codex', 'opencode'] as const;
/** Pure JavaScript, no install scripts: they run as installed with `npm ci --ignore-scripts`. */
const PACKAGE_MANAGERS = { pnpm: 'pnpm/bin/pnpm.cjs', yarn: 'yarn/bin/yarn.js' } as const;
export type PackageManagerTool = keyof typeof PACKAGE_MANAGERS;

const definition = (tool: string, command?: string): ToolDefinition =>
  Object.freeze({
    name: `tool-${tool}`,
    tool,
    dependencies: 'npm' as const,
    templateDir: path.join(TOOLS_DIR, tool),
    ...(command === undefined ? {} : { command }),
  });

export const TOOLS: readonly ToolDefinition[] = [
  ...AGENT_CLIS.map((tool) => definition(tool)),
  ...Object.entries(PACKAGE_MANAGERS).map(([tool, command]) => definition(tool, command)),
];

export function getTool(tool: string): ToolDefinition | undefined {
  return TOOLS.find((t) => t.tool === tool);
}
