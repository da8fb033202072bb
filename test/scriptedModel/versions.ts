/**
 * The agent CLI versions the scripted model server was written for and checked against
 * (README.md: what each one sends and how it calls its tools). test/agentCli.test.ts fails when
 * a pin in packages/presets/tools/<tool>/package.json moves away from these.
 */
export const SCRIPTED_FOR = {
  'claude-code': { package: '@anthropic-ai/claude-code', version: '2.1.332' },
  codex: { package: '@openai/codex', version: '0.171.0' },
  opencode: { package: 'opencode-ai', version: '1.18.33' },
} as const;

export type ScriptedCli = keyof typeof SCRIPTED_FOR;

/** What to look at again when a pin moves: the README's findings for that CLI. */
export const RECHECK: Record<ScriptedCli, string> = {
  'claude-code':
    'run test/scriptedModel/probe.ts claude-code against the new version and re-check the Messages API request (endpoint, beta query, headers), the tool names and argument shapes of Read/Edit/Write/Bash, the stream-json events packages/agents/src/claudeCode.ts parses, and CLAUDE_CODE_MAX_RETRIES',
  codex:
    'run test/scriptedModel/probe.ts codex against the new version and re-check the Responses API request (WebSocket attempt first, then POST /v1/responses), where the tools are declared (additional_tools, code mode `exec`), apply_patch and exec_command, and the `codex exec --json` events packages/agents/src/codex.ts parses',
  opencode:
    'run test/scriptedModel/probe.ts opencode against the new version and re-check its default Anthropic models (a title request on the small model, then the main one), the read/edit/write/bash tool shapes, what it fetches at start, and the `opencode run --format json` events packages/agents/src/opencode.ts parses',
};
