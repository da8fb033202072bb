/**
 * How each CLI's stdout becomes the task log, whatever the chunks it arrives in, and the
 * helpers that keep each log line short. Stdout reaches a parser in frames of any size, so a
 * JSON event may be cut anywhere: mid-key, mid-string, mid-escape, before or after its newline.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AGENT_PROVIDERS } from '@paddock/shared';
import { oneLine, summarizeArgs, toolCall, toolResult } from '../src/agentCli.js';
import { TASK_PROVIDERS, type OutputParser } from '../src/index.js';
import { lineParser, passthrough } from '../src/taskProvider.js';

const FIXTURES = new URL('./fixtures/agent-output/', import.meta.url);

function recorded(name: string): string {
  return readFileSync(new URL(`${name}.jsonl`, FIXTURES), 'utf8');
}

/** A fresh parser per run, as the daemon makes one per task. */
function parserOf(name: string): OutputParser {
  const provider = TASK_PROVIDERS.get(name);
  assert.ok(provider);
  return provider.run({ prompt: 'x' }, { taskId: 'task_1', toolPath: '/bin/true' }).parser;
}

function parse(parser: OutputParser, chunks: string[]): string {
  return chunks.map((chunk) => parser.push(chunk)).join('') + parser.end();
}

/** `text` cut at the given offsets. */
function cutAt(text: string, offsets: number[]): string[] {
  const points = [0, ...offsets, text.length];
  return points.slice(1).map((end, i) => text.slice(points[i], end));
}

/** A fixed pseudo-random sequence (so a failure can be replayed), in [0, 1). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('agent CLI output in awkward chunks', () => {
  for (const name of AGENT_PROVIDERS) {
    describe(name, () => {
      const text = recorded(name);
      const whole = parse(parserOf(name), [text]);

      it('gives the same log when cut in two at every offset', () => {
        assert.ok(whole.split('\n').length > 5, 'the recorded run makes a real log');
        for (let at = 0; at <= text.length; at++) {
          assert.equal(parse(parserOf(name), cutAt(text, [at])), whole, `cut at ${at}`);
        }
      });

      it('gives the same log when cut at every newline and on either side of it', () => {
        const newlines = [...text.matchAll(/\n/g)].map((m) => m.index);
        for (const shift of [0, 1]) {
          const offsets = newlines.map((i) => i + shift);
          assert.equal(parse(parserOf(name), cutAt(text, offsets)), whole, `shift ${shift}`);
        }
        // The newline alone in its own chunk, and empty chunks in between.
        const chunks = text.split(/(\n)/).flatMap((part) => [part, '']);
        assert.equal(parse(parserOf(name), chunks), whole);
      });

      it('gives the same log for many random cuts', () => {
        const random = sequence(name.length);
        for (let round = 0; round < 50; round++) {
          const count = 1 + Math.floor(random() * 40);
          const offsets = Array.from({ length: count }, () => Math.floor(random() * text.length));
          offsets.sort((a, b) => a - b);
          assert.equal(parse(parserOf(name), cutAt(text, offsets)), whole, `round ${round}`);
        }
      });

      it('gives the same log when the last event has no newline', () => {
        assert.ok(text.endsWith('\n'));
        assert.equal(parse(parserOf(name), [text.slice(0, -1)]), whole);
      });
    });
  }

  it('a parser keeps nothing from one run to the next', () => {
    // opencode adds up the cost of every step: a second run starts from zero.
    const text = recorded('opencode');
    const first = parse(parserOf('opencode'), [text]);
    const second = parse(parserOf('opencode'), [text]);
    assert.equal(second, first);
    assert.match(first, /Done · \$0\.0278 · /);
  });
});

describe('line and passthrough parsers', () => {
  it('a line parser hands over whole lines only, and the last one once at the end', () => {
    const seen: string[] = [];
    const parser = lineParser((line) => {
      seen.push(line);
      return `<${line}>`;
    });
    assert.equal(parser.push('a'), '');
    assert.equal(parser.push('b\nc'), '<ab>');
    assert.equal(parser.push('\n\nd'), '<c><>');
    assert.equal(parser.end(), '<d>');
    assert.equal(parser.end(), '');
    assert.deepEqual(seen, ['ab', 'c', '', 'd']);
  });

  it('passthrough changes nothing and holds nothing back', () => {
    const parser = passthrough();
    assert.equal(parser.push('no newline'), 'no newline');
    assert.equal(parser.end(), '');
  });
});

describe('log line helpers', () => {
  it('oneLine keeps the first line, cut to its limit, and counts the rest', () => {
    assert.equal(oneLine('  done  '), 'done');
    assert.equal(oneLine('a\nb'), 'a (+1 line)');
    assert.equal(oneLine('a\nb\nc\n'), 'a (+2 lines)');
    const long = oneLine('x'.repeat(500));
    assert.equal(long.length, 160);
    assert.ok(long.endsWith('…'));
    assert.equal(oneLine('abcdef', 4), 'abc…');
  });

  it('summarizeArgs shows the most telling argument, else a compact list', () => {
    assert.equal(summarizeArgs({ description: 'd', command: 'ls -la' }), 'ls -la');
    assert.equal(summarizeArgs({ path: '', pattern: '*.ts' }), '*.ts');
    assert.equal(summarizeArgs({ n: 3, list: [1, 2], o: { a: 1 } }), 'n=3 list=[2] o={…}');
    assert.equal(summarizeArgs('plain'), 'plain');
    assert.equal(summarizeArgs(undefined), '');
    assert.equal(summarizeArgs(null), '');
  });

  it('tool calls and results are one line each', () => {
    assert.equal(
      toolCall('Bash', { command: 'npm test\nnpm run build' }),
      '→ Bash: npm test (+1 line)',
    );
    assert.equal(toolCall('todo', {}), '→ todo');
    assert.equal(toolResult(''), '  ← (no output)');
    assert.equal(toolResult('', true), '  ← error: (no message)');
    assert.equal(toolResult('boom\nat x', true), '  ← error: boom (+1 line)');
  });
});
