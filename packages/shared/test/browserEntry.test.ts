// `@paddock/shared/browser` is what the console bundles at run time: it must reach no module
// that imports TypeBox (or anything else outside this package), or the bundle takes it whole.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { agentKeyVariable, modelKeyInjection, SseParser } from '../src/browser.js';

const SRC = path.resolve(import.meta.dirname, '../src');

/** The modules a file imports at run time (`import type` and `export type` are erased). */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
    specs.push(m[1]!);
  }
  return specs;
}

describe('the browser entry', () => {
  it('reaches only modules of this package that import nothing from outside it', () => {
    const seen = new Set<string>();
    const queue = [path.join(SRC, 'browser.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        assert.ok(spec.startsWith('./'), `${path.relative(SRC, file)} imports ${spec}`);
        queue.push(path.join(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    }
    assert.deepEqual([...seen].map((f) => path.relative(SRC, f)).sort(), [
      'agent/ptyLimits.ts',
      'agentKeys.ts',
      'browser.ts',
      'execStream.ts',
    ]);
  });

  it('exports what the console uses', () => {
    assert.equal(typeof SseParser, 'function');
    assert.equal(agentKeyVariable('claude-code'), 'ANTHROPIC_API_KEY');
    assert.equal(agentKeyVariable('opencode', 'openai/gpt-5.5'), 'OPENAI_API_KEY');
    assert.equal(agentKeyVariable('opencode', ''), 'ANTHROPIC_API_KEY');
    assert.deepEqual(modelKeyInjection('CODEX_API_KEY')?.hosts, ['api.openai.com']);
    assert.equal(modelKeyInjection('toString'), null);
  });
});
