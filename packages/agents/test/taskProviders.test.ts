/**
 * The agent CLI task providers: the command each one builds, and how each turns its CLI's JSON
 * event stream into a readable task log.
 *
 * No model API can be reached here, so no CLI can produce a real run's output in a test. The
 * recorded outputs in test/fixtures/agent-output/ are stand-ins, written by hand to follow each
 * CLI's documented and sourced event format: Claude Code 2.1.332 `--output-format stream-json`
 * (the Agent SDK's SDKMessage types), Codex 0.171 `exec --json` (codex-rs/exec/src/exec_events.rs)
 * and opencode 1.18.33 `run --format json` (its run command). The few shapes the CLIs printed
 * here with the network cut (Claude's init, api_retry and result; Codex's thread.started and
 * "Reconnecting..." error; opencode's error) were checked against those real runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TaskUsage } from '@paddock/shared';
import { claudeCodeProvider } from '../src/claudeCode.js';
import { codexProvider } from '../src/codex.js';
import { opencodeKeyVariable, opencodeProvider } from '../src/opencode.js';
import type { OutputParser, ProviderRun, TaskProvider } from '../src/taskProvider.js';

const FIXTURES = new URL('./fixtures/agent-output/', import.meta.url);
// Quotes, a command substitution and a leading dash: none may reach a shell or an option parser.
const PROMPT = `--help me: add a "Greeting" component; $(rm -rf /) 'ok'`;

function toolPath(bin: string): string {
  return `/opt/paddock/cache/tool-x/node_modules/${bin}`;
}

function runOf(provider: TaskProvider, input: Record<string, unknown>): ProviderRun {
  assert.ok(provider.tool);
  return provider.run(input, { taskId: 'task_1', toolPath: toolPath(provider.tool.bin) });
}

function recorded(name: string): string {
  return readFileSync(new URL(`${name}.jsonl`, FIXTURES), 'utf8');
}

/** Feeds the parser `chunks` in order, as stdout frames arrive, and returns the whole log. */
function parse(parser: OutputParser, chunks: string[]): string {
  return chunks.map((chunk) => parser.push(chunk)).join('') + parser.end();
}

/** The output cut in the middle of every line, as stdout frames may be. */
function midLineChunks(text: string): string[] {
  return text.split(/(?<=\n)/).flatMap((line) => {
    const half = Math.floor(line.length / 2);
    return [line.slice(0, half), line.slice(half)];
  });
}

interface Case {
  provider: TaskProvider;
  bin: string;
  fixture: string;
  /** Flags that make the run headless, machine-readable and unattended, in order. */
  flags: string[];
  keyVariable: string;
  model: string;
  /** What the log of the recorded output must show. */
  expected: string[];
  /** The model usage the recorded output reports, added up. */
  usage: TaskUsage;
}

const CASES: Case[] = [
  {
    provider: claudeCodeProvider,
    bin: `@anthropic-ai/claude-code-linux-${process.arch}/claude`,
    fixture: 'claude-code',
    flags: [
      '--print',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
    ],
    keyVariable: 'ANTHROPIC_API_KEY',
    model: 'sonnet',
    expected: [
      'Claude Code 2.1.332 · model claude-sonnet-4-5-20250929',
      'API retry 1/10: overloaded, HTTP 529',
      "I'll add a Greeting component and use it in the app.",
      '→ Write: /workspace/src/Greeting.tsx',
      '  ← File created successfully at: /workspace/src/Greeting.tsx',
      '→ Edit: /workspace/src/App.tsx',
      '→ Bash: npx tsc --noEmit',
      "  ← error: src/App.tsx(1,26): error TS2307: Cannot find module './Greeting'",
      '→ Bash: ls src && npx tsc --noEmit',
      '  ← App.tsx (+2 lines)',
      'Added `src/Greeting.tsx` and rendered `<Greeting name="Paddock" />` in `App.tsx`.',
      'Done · 5 turns · $0.0413 · 18.2s',
    ],
    // The result message's totals: input, cache writes and cache reads are all input.
    usage: { input_tokens: 22 + 6240 + 61840, output_tokens: 934, cost_usd: 0.04127 },
  },
  {
    provider: codexProvider,
    bin: '.bin/codex',
    fixture: 'codex',
    flags: [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
    ],
    keyVariable: 'CODEX_API_KEY',
    model: 'gpt-5.5',
    expected: [
      'Codex thread 01a226ed-1cbb-7a11-9d0e-75c5543eedca',
      'Error: Reconnecting... 2/5 (stream disconnected before completion',
      "→ shell: /bin/bash -lc 'ls src'",
      '  ← App.tsx (+1 line)',
      '→ patch: add /workspace/src/Greeting.tsx, update /workspace/src/App.tsx',
      "→ shell: /bin/bash -lc 'npx tsc --noEmit'",
      "  ← error: exit 2: src/App.tsx(4,10): error TS2741: Property 'name' is missing",
      '  ← (no output)',
      'Plan: [x] Add Greeting component; [x] Use it in App',
      'Added `src/Greeting.tsx` and rendered `<Greeting name="Paddock" />` in `src/App.tsx`;',
      'Done · 24763 input tokens (19200 cached) · 1184 output tokens',
    ],
    // Codex reports tokens, not cost.
    usage: { input_tokens: 24763, output_tokens: 1184, cost_usd: null },
  },
  {
    provider: opencodeProvider,
    bin: `opencode-linux-${process.arch}/bin/opencode`,
    fixture: 'opencode',
    flags: ['run', '--format', 'json', '--auto'],
    keyVariable: 'ANTHROPIC_API_KEY',
    model: 'anthropic/claude-sonnet-4-5',
    expected: [
      "I'll add a Greeting component and use it in the app.",
      '→ write: /workspace/src/Greeting.tsx',
      '  ← Wrote file successfully.',
      '→ edit: /workspace/src/App.tsx',
      '  ← error: Error: oldString not found in content',
      '→ bash: npx tsc --noEmit',
      'Added `src/Greeting.tsx`; the project type-checks.',
      'Done · $0.0278 · 14360 input tokens · 432 output tokens',
    ],
    // Three steps, each with its cache reads as input.
    usage: { input_tokens: 48496, output_tokens: 432, cost_usd: 0.01392 + 0.00871 + 0.00513 },
  },
];

describe('agent CLI task providers (recorded outputs stand in for a model API that cannot be reached here)', () => {
  for (const c of CASES) {
    describe(c.provider.name, () => {
      it('names its npm tool and bin', () => {
        assert.deepEqual(c.provider.tool, { tool: c.provider.name, bin: c.bin });
      });

      it('runs the tool headless with the prompt as one last argv element, after --', () => {
        const { argv, env } = runOf(c.provider, { prompt: PROMPT });
        assert.equal(argv[0], toolPath(c.bin));
        const flags = argv.filter((arg) => c.flags.includes(arg));
        assert.deepEqual(flags, c.flags);
        assert.deepEqual(argv.slice(-2), ['--', PROMPT]);
        assert.equal(argv.filter((arg) => arg.includes('$(rm')).length, 1);
        assert.ok(!argv.includes('--model'));
        assert.ok(
          env && !(c.keyVariable in env),
          'the key comes from app config, not the provider',
        );
      });

      it('passes the model as a flag and names the variable its CLI reads the key from', () => {
        const input = { prompt: PROMPT, model: c.model };
        const { argv } = runOf(c.provider, input);
        assert.equal(argv[argv.indexOf('--model') + 1], c.model);
        assert.ok(argv.indexOf('--model') < argv.indexOf('--'));
        assert.equal(c.provider.keyVariable?.(input), c.keyVariable);
      });

      it('keeps its state under the workspace, out of checkpoints', () => {
        const { env } = runOf(c.provider, { prompt: PROMPT });
        const paths = Object.values(env ?? {}).filter((value) => value.startsWith('/'));
        assert.ok(paths.length > 0);
        for (const value of paths) assert.match(value, /^\/workspace\/\.cache\//);
      });

      it('turns the recorded output into a readable log', () => {
        const log = parse(runOf(c.provider, { prompt: PROMPT }).parser, [recorded(c.fixture)]);
        for (const line of c.expected) assert.ok(log.includes(line), `log shows ${line}`);
        assert.ok(!log.includes('{"type"'), 'no raw event is left in the log');
        assert.ok(log.endsWith('\n'));
      });

      it('adds up the model usage its CLI reports', () => {
        const { parser } = runOf(c.provider, { prompt: PROMPT });
        assert.equal(parser.usage?.value(), null, 'nothing before the first report');
        parse(parser, midLineChunks(recorded(c.fixture)));
        const usage = parser.usage?.value();
        assert.ok(usage);
        assert.equal(usage.input_tokens, c.usage.input_tokens);
        assert.equal(usage.output_tokens, c.usage.output_tokens);
        if (c.usage.cost_usd === null) assert.equal(usage.cost_usd, null);
        else assert.ok(Math.abs(usage.cost_usd! - c.usage.cost_usd) < 1e-9);
      });

      it('parses the same whatever the chunk boundaries', () => {
        const text = recorded(c.fixture);
        const whole = parse(runOf(c.provider, { prompt: PROMPT }).parser, [text]);
        const split = parse(runOf(c.provider, { prompt: PROMPT }).parser, midLineChunks(text));
        assert.equal(split, whole);
        const byChar = parse(runOf(c.provider, { prompt: PROMPT }).parser, [...text]);
        assert.equal(byChar, whole);
      });

      it('passes non-JSON lines through, shows unknown events by type, and flushes the last line', () => {
        const { parser } = runOf(c.provider, { prompt: PROMPT });
        const log = parse(parser, [
          'WARNING: proceeding, even though\n{"type":"brand_new_eve',
          'nt","data":1}\n\n',
          '[1, 2]\n{"type":"another_new_event"}',
        ]);
        assert.equal(
          log,
          'WARNING: proceeding, even though\n[brand_new_event]\n[1, 2]\n[another_new_event]\n',
        );
      });
    });
  }

  it('opencode takes the key variable from the model’s provider', () => {
    assert.equal(opencodeKeyVariable(undefined), 'ANTHROPIC_API_KEY');
    assert.equal(opencodeKeyVariable('openai/gpt-5.5'), 'OPENAI_API_KEY');
    assert.equal(opencodeKeyVariable('google/gemini-3-pro'), 'GOOGLE_GENERATIVE_AI_API_KEY');
    assert.equal(opencodeKeyVariable('openrouter/x-ai/grok-5'), 'OPENROUTER_API_KEY');
    assert.equal(opencodeKeyVariable('deepseek/deepseek-chat'), 'DEEPSEEK_API_KEY');
  });

  it('Claude Code reports a failed run from is_error, whatever its subtype', () => {
    const { parser } = runOf(claudeCodeProvider, { prompt: PROMPT });
    // As Claude Code 2.1.332 printed it here with no network (fields trimmed).
    const result = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: true,
      num_turns: 1,
      duration_ms: 732,
      total_cost_usd: 0,
      result: "API Error: Can't reach the API server — check your internet or DNS (EAI_AGAIN)",
    });
    assert.equal(
      parse(parser, [`${result}\n`]),
      "Failed: API Error: Can't reach the API server — check your internet or DNS (EAI_AGAIN) · 1 turn · $0.0000 · 0.7s\n",
    );
  });

  it('opencode shows an error event’s message', () => {
    const { parser } = runOf(opencodeProvider, { prompt: PROMPT });
    // As opencode 1.18.33 printed it here with no network.
    const error = JSON.stringify({
      type: 'error',
      timestamp: 1795948956025,
      sessionID: 'ses_dd91ab415ffebINDZHsJQAWeCw',
      error: {
        name: 'APIError',
        data: {
          message:
            'Cannot connect to API: Unable to connect. Is the computer able to access the url?',
          isRetryable: true,
        },
      },
    });
    assert.equal(
      parse(parser, [`${error}\n`]),
      'Error: Cannot connect to API: Unable to connect. Is the computer able to access the url?\n',
    );
  });
});
