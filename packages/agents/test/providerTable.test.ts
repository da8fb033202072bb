/**
 * The provider table and what each provider hands the daemon: argv, env, the tool to install
 * and the variable its model API key is read from. No daemon, no sandbox: the daemon turns
 * these into a process in the guest (test/tasks.test.ts drives that whole path).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOOLS } from '@paddock/presets';
import { AGENT_PROVIDERS, agentKeyVariable, GUEST_WORKSPACE } from '@paddock/shared';
import { TASK_PROVIDERS, type TaskProvider } from '../src/index.js';
import { opencodeKeyVariable } from '../src/opencode.js';

const TOOL_PATH = '/opt/paddock/cache/tool-x/node_modules/cli';

function provider(name: string): TaskProvider {
  const found = TASK_PROVIDERS.get(name);
  assert.ok(found, `a provider named ${name}`);
  return found;
}

/** The variable each CLI reads its key from with no model given, as README.md documents. */
const DOCUMENTED_KEYS: Record<string, string> = {
  'claude-code': 'ANTHROPIC_API_KEY',
  codex: 'CODEX_API_KEY',
  opencode: 'ANTHROPIC_API_KEY',
};

describe('the provider table', () => {
  it('holds exactly the providers the API admits, each under its own name', () => {
    // A name the API schema admits but the table lacks would pass validation and then be
    // refused by the daemon; a name only the table has could never be asked for.
    assert.deepEqual([...TASK_PROVIDERS.keys()].sort(), ['command', ...AGENT_PROVIDERS].sort());
    for (const [name, p] of TASK_PROVIDERS) assert.equal(p.name, name);
  });

  it('has no provider for an unknown or inherited name', () => {
    for (const name of ['nope', '', 'constructor', 'toString', '__proto__', 'Claude-Code']) {
      assert.equal(TASK_PROVIDERS.get(name), undefined, name);
      assert.equal(TASK_PROVIDERS.has(name), false, name);
    }
  });

  it('names, for every agent CLI, a tool of the presets catalog', () => {
    const catalog = new Set(TOOLS.map((t) => t.tool));
    for (const name of AGENT_PROVIDERS) {
      const tool = provider(name).tool;
      assert.ok(tool, `${name} runs an installed CLI`);
      assert.ok(catalog.has(tool.tool), `${tool.tool} is in the TOOLS catalog`);
      assert.ok(!tool.bin.startsWith('/') && !tool.bin.split('/').includes('..'), tool.bin);
    }
  });
});

describe('the command provider', () => {
  const command = provider('command');

  it('runs the script with /bin/sh in one argv element, and needs no tool or key', () => {
    const script = 'set -e\necho "$HOME" > out.txt; ls -- -x || true';
    const run = command.run({ script }, { taskId: 'task_1', toolPath: null });
    assert.deepEqual(run.argv, ['/bin/sh', '-c', script]);
    assert.equal(run.env, undefined);
    assert.equal(command.tool, null);
    assert.equal(command.keyVariable, undefined);
  });

  it('passes its output through unchanged, JSON and partial lines alike', () => {
    const { parser } = command.run({ script: 'x' }, { taskId: 'task_1', toolPath: null });
    const chunks = ['{"type":"result"}\n', 'half a li', 'ne\n', 'no newline at the end'];
    assert.deepEqual(
      chunks.map((c) => parser.push(c)),
      chunks,
    );
    assert.equal(parser.end(), '');
  });
});

describe('the agent CLIs', () => {
  for (const name of AGENT_PROVIDERS) {
    describe(name, () => {
      const p = provider(name);

      it('refuses to run when its CLI is not installed', () => {
        assert.throws(
          () => p.run({ prompt: 'hello' }, { taskId: 'task_1', toolPath: null }),
          new RegExp(`^Error: ${name}: its CLI is not installed$`),
        );
      });

      it('reads its key from the variable the README names, and never sets it itself', () => {
        assert.equal(p.keyVariable?.({ prompt: 'hello' }), DOCUMENTED_KEYS[name]);
        // The console says which agents an app can run from the shared table: they agree.
        for (const model of [undefined, 'openai/gpt-5.5', 'deepseek/deepseek-chat']) {
          const input = model === undefined ? { prompt: 'x' } : { prompt: 'x', model };
          assert.equal(p.keyVariable?.(input), agentKeyVariable(name, model));
        }
        const { env } = p.run({ prompt: 'hello' }, { taskId: 'task_1', toolPath: TOOL_PATH });
        assert.ok(env);
        for (const key of Object.keys(env)) assert.doesNotMatch(key, /_API_KEY$|TOKEN/);
      });

      it('keeps a multi-line prompt, and an empty model, out of its options', () => {
        const prompt = 'line one\n--model evil\n{"type":"result"}';
        const { argv } = p.run({ prompt, model: '' }, { taskId: 'task_1', toolPath: TOOL_PATH });
        assert.equal(argv[0], TOOL_PATH);
        assert.deepEqual(argv.slice(-2), ['--', prompt]);
        assert.ok(!argv.slice(0, -1).includes('--model'), 'an empty model is no model');
      });

      it('builds the same run for the same input, whatever the task', () => {
        const input = { prompt: 'hello', model: 'm' };
        const a = p.run(input, { taskId: 'task_1', toolPath: TOOL_PATH });
        const b = p.run(input, { taskId: 'task_2', toolPath: TOOL_PATH });
        assert.deepEqual([a.argv, a.env], [b.argv, b.env]);
      });
    });
  }

  it('codex keeps HOME in its state directory, and so do the commands it runs', () => {
    const { argv, env } = provider('codex').run(
      { prompt: 'hello' },
      { taskId: 'task_1', toolPath: TOOL_PATH },
    );
    assert.equal(env?.HOME, `${GUEST_WORKSPACE}/.cache/codex`);
    assert.ok(argv.includes(`shell_environment_policy.set.HOME="${GUEST_WORKSPACE}"`));
  });

  it('opencode names the key variable of the model’s provider, own names only', () => {
    assert.equal(opencodeKeyVariable('claude-sonnet-4-5'), 'ANTHROPIC_API_KEY');
    assert.equal(opencodeKeyVariable('/claude-sonnet-4-5'), 'ANTHROPIC_API_KEY');
    assert.equal(opencodeKeyVariable('fireworks-ai/llama'), 'FIREWORKS_API_KEY');
    assert.equal(opencodeKeyVariable('moonshotai/kimi-k2'), 'MOONSHOT_API_KEY');
    assert.equal(opencodeKeyVariable('alibaba/qwen3'), 'DASHSCOPE_API_KEY');
    assert.equal(opencodeKeyVariable('my.local-llm/x'), 'MY_LOCAL_LLM_API_KEY');
    // Not KEY_VARIABLES' prototype members.
    assert.equal(opencodeKeyVariable('constructor/x'), 'CONSTRUCTOR_API_KEY');
    assert.equal(opencodeKeyVariable('toString/x'), 'TOSTRING_API_KEY');
    assert.equal(
      provider('opencode').keyVariable?.({ prompt: 'x', model: 'openai/gpt-5.5' }),
      'OPENAI_API_KEY',
    );
  });
});
