// The task views' logic that needs no browser: the diff parser, the line highlighter, the log
// line kinds, the verdict badges and whether an agent has its key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigEntry, Task } from '@paddock/shared';
import { agentReadiness, blocksRun, configCommand } from '../src/lib/agentReadiness.js';
import { highlightLine, languageOf } from '../src/lib/highlight.js';
import { classifyLogLine, cleanTerminalText, logLines } from '../src/lib/taskLog.js';
import {
  describeTaskEnd,
  formatClock,
  formatDuration,
  taskSummary,
  verdictBadges,
} from '../src/lib/taskStatus.js';
import { parseUnifiedDiff, unquotePath } from '../src/lib/unifiedDiff.js';

const DIFF = `diff --git a/src/App.tsx b/src/App.tsx
index 1111111..2222222 100644
--- a/src/App.tsx
+++ b/src/App.tsx
@@ -3,5 +3,5 @@ function App() {
   return (
     <main>
-      <h1>Hello from React + Vite</h1>
+      <h1>Built by a task</h1>
       <p>
diff --git a/NOTES.md b/NOTES.md
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/NOTES.md
@@ -0,0 +1 @@
+notes
\\ No newline at end of file
diff --git a/old name.txt b/old name.txt
deleted file mode 100644
index 4444444..0000000
--- a/old name.txt\t
+++ /dev/null
@@ -1 +0,0 @@
-gone
diff --git a/logo.png b/logo.png
index 5555555..6666666 100644
Binary files a/logo.png and b/logo.png differ
`;

describe('the unified diff parser', () => {
  const files = parseUnifiedDiff(DIFF);

  it('finds every file with its kind of change and counts', () => {
    assert.deepEqual(
      files.map((f) => [f.path, f.change, f.binary, f.added, f.removed]),
      [
        ['src/App.tsx', 'modified', false, 1, 1],
        ['NOTES.md', 'added', false, 1, 0],
        ['old name.txt', 'deleted', false, 0, 1],
        ['logo.png', 'modified', true, 0, 0],
      ],
    );
  });

  it('numbers lines on both sides', () => {
    const lines = files[0]!.hunks[0]!.lines;
    assert.deepEqual(
      lines.map((l) => [l.kind, l.oldNo, l.newNo]),
      [
        ['context', 3, 3],
        ['context', 4, 4],
        ['del', 5, null],
        ['add', null, 5],
        ['context', 6, 6],
      ],
    );
    assert.equal(lines[3]!.text, '      <h1>Built by a task</h1>');
    assert.equal(files[1]!.hunks[0]!.lines[1]!.kind, 'meta');
  });

  it('reads C-quoted paths, and survives a diff cut short', () => {
    assert.equal(unquotePath('"a/tab\\there \\"q\\" \\303\\251"'), 'a/tab\there "q" é');
    const cut = parseUnifiedDiff(DIFF.slice(0, DIFF.indexOf('+      <h1>')));
    assert.equal(cut.length, 1);
    assert.equal(cut[0]!.removed, 1);
    assert.deepEqual(parseUnifiedDiff(''), []);
  });
});

describe('the line highlighter', () => {
  it('keeps the text whole and colours what it knows', () => {
    const line = "const greeting = 'hi'; // say it 2 times";
    const tokens = highlightLine(line, 'js');
    assert.equal(tokens.map((t) => t.text).join(''), line);
    assert.deepEqual(
      tokens.filter((t) => t.kind !== 'plain').map((t) => [t.kind, t.text]),
      [
        ['keyword', 'const'],
        ['string', "'hi'"],
        ['comment', '// say it 2 times'],
      ],
    );
  });

  it('does not colour keywords inside names, and knows JSX tags', () => {
    const tokens = highlightLine('<h1 className={constant}>', 'jsx');
    assert.deepEqual(tokens[0], { kind: 'tag', text: '<h1' });
    assert.ok(!tokens.some((t) => t.kind === 'keyword'), JSON.stringify(tokens));
  });

  it('picks a language by extension, and leaves unknown files plain', () => {
    assert.equal(languageOf('src/App.tsx'), 'jsx');
    assert.equal(languageOf('app/main.py'), 'python');
    assert.equal(languageOf('sandbox.yaml'), 'yaml');
    assert.equal(languageOf('README'), null);
    assert.equal(languageOf('.gitignore'), null);
    assert.deepEqual(highlightLine('x = 1', null), [{ kind: 'plain', text: 'x = 1' }]);
    for (const lang of ['css', 'html', 'python', 'yaml', 'shell', 'json'] as const) {
      const line = 'a: "b" # c <d e="f"> /* g */ 12px';
      assert.equal(
        highlightLine(line, lang)
          .map((t) => t.text)
          .join(''),
        line,
        lang,
      );
    }
  });
});

describe('the task log', () => {
  it('tells tool calls, results, errors and Paddock notes from text', () => {
    assert.equal(classifyLogLine('→ Bash: npm test'), 'tool');
    assert.equal(classifyLogLine('  ← 3 passing'), 'tool-result');
    assert.equal(classifyLogLine('  ← error: ENOENT'), 'tool-error');
    assert.equal(classifyLogLine('[paddock] build: npm run build'), 'paddock');
    assert.equal(classifyLogLine('[paddock] the task failed: x'), 'error');
    assert.equal(classifyLogLine('I changed the heading.'), 'text');
  });

  it('drops terminal escapes and shows a redrawn line as last drawn', () => {
    assert.equal(cleanTerminalText('\x1b[32mok\x1b[0m\r\n10%\r50%\r100%\ndone'), 'ok\n100%\ndone');
    assert.deepEqual(
      logLines('a\nb\n').map((l) => l.text),
      ['a', 'b'],
    );
  });
});

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 'task1',
    sandbox_id: 'sb1',
    provider: 'command',
    input: { script: "sed -i 's/a/b/' src/App.tsx\necho done" },
    status: 'succeeded',
    status_reason: null,
    timeout_seconds: 600,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:01.000Z',
    ended_at: '2026-01-01T00:00:09.000Z',
    result: {
      exit_code: 0,
      build_status: 'passed',
      preview_ok: true,
      app_healthy: true,
      files_changed: [{ path: 'src/App.tsx', added: 1, removed: 1 }],
      checkpoint: 'a'.repeat(40),
      duration_ms: 8200,
    },
    ...overrides,
  };
}

describe('the verdict', () => {
  it('is one badge per thing the result records', () => {
    assert.deepEqual(
      verdictBadges(task()).map((b) => [b.id, b.label, b.tone]),
      [
        ['build', 'Build passed', 'ok'],
        ['preview', 'Preview ok', 'ok'],
        ['health', 'App healthy', 'ok'],
        ['files', '1 file changed', 'ok'],
        ['duration', '8.2 s', 'idle'],
      ],
    );
    assert.deepEqual(verdictBadges(task({ result: null })), []);
    const failed = task({
      status: 'failed',
      status_reason: 'the agent exited with 2',
      result: { ...task().result!, exit_code: 2, build_status: 'skipped', preview_ok: undefined },
    });
    assert.deepEqual(
      verdictBadges(failed).map((b) => b.id),
      ['build', 'health', 'files', 'duration', 'exit'],
    );
    assert.equal(
      describeTaskEnd(failed),
      'Task failed (the agent exited with 2): build skipped, app healthy, 1 file changed, exit code 2.',
    );
  });

  it('words durations, clocks and summaries', () => {
    assert.equal(formatDuration(61_000), '1 min 1 s');
    assert.equal(formatClock(7), '0:07');
    assert.equal(formatClock(3723), '1:02:03');
    assert.equal(taskSummary(task()), "sed -i 's/a/b/' src/App.tsx");
    assert.equal(taskSummary(task({ input: {} })), '');
  });
});

function entry(overrides: Partial<ConfigEntry>): ConfigEntry {
  return {
    key: 'ANTHROPIC_API_KEY',
    sensitive: true,
    value_set: true,
    access_policy: 'agent_access',
    inject: { hosts: ['api.anthropic.com'], header: 'x-api-key', format: '{value}' },
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('whether an agent has its key', () => {
  it('needs the variable its CLI reads, for agents', () => {
    assert.equal(agentReadiness('claude-code', '', [entry({})]).state, 'ready');
    const missing = agentReadiness('codex', '', [entry({})]);
    assert.deepEqual([missing.state, missing.variable], ['missing', 'CODEX_API_KEY']);
    assert.ok(blocksRun(missing));
    const runtimeOnly = agentReadiness('claude-code', '', [
      entry({ access_policy: 'runtime_access' }),
    ]);
    assert.equal(runtimeOnly.state, 'not_for_agents');
    assert.ok(blocksRun(runtimeOnly));
    assert.match(
      configCommand('http://127.0.0.1:7070', 'ap1', runtimeOnly) ?? '',
      /PATCH .*ANTHROPIC_API_KEY.*"both"/s,
    );
  });

  it('follows opencode to its model’s provider, and warns of a secret nobody injects', () => {
    assert.equal(
      agentReadiness('opencode', 'openai/gpt-5.5', [entry({})]).variable,
      'OPENAI_API_KEY',
    );
    const noRule = agentReadiness('claude-code', '', [entry({ inject: null })]);
    assert.equal(noRule.state, 'no_injection');
    assert.ok(!blocksRun(noRule));
    // A plain value reaches the CLI as it is: no rule needed.
    const plain = agentReadiness('claude-code', '', [entry({ sensitive: false, inject: null })]);
    assert.equal(plain.state, 'ready');
    assert.match(
      configCommand('http://127.0.0.1:7070', 'ap1', agentReadiness('codex', '', [])) ?? '',
      /POST .*\/v1\/apps\/ap1\/config.*"CODEX_API_KEY".*"api.openai.com"/s,
    );
  });
});
