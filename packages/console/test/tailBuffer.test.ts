import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOG_CHARS } from '../src/lib/boundedText.js';
import { TailBuffer } from '../src/lib/tailBuffer.js';

function recorder() {
  const renders: { text: string; trimmed: boolean }[] = [];
  const buffer = new TailBuffer((text, trimmed) => renders.push({ text, trimmed }), 5);
  return { renders, buffer };
}

describe('TailBuffer', () => {
  it('appends chunks, and a backlog replaces what is shown', () => {
    const { renders, buffer } = recorder();
    buffer.add('one\n');
    buffer.add('two\n');
    buffer.flush();
    buffer.add('whole log\n', { replace: true });
    buffer.add('three\n');
    buffer.flush();
    assert.deepEqual(
      renders.map((r) => r.text),
      ['one\ntwo\n', 'whole log\nthree\n'],
    );
  });

  it('batches chunks into one render', async () => {
    const { renders, buffer } = recorder();
    for (let i = 0; i < 100; i++) buffer.add(`${i}\n`);
    while (renders.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(renders.length, 1);
    assert.equal(renders[0]!.text.split('\n').length, 101);
  });

  it('keeps a bounded tail and says that it dropped some', () => {
    const { renders, buffer } = recorder();
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < (2 * MAX_LOG_CHARS) / line.length; i++) buffer.add(line);
    buffer.flush();
    const last = renders.at(-1)!;
    assert.ok(last.text.length <= MAX_LOG_CHARS);
    assert.equal(last.trimmed, true);
  });

  it('renders nothing once disposed', async () => {
    const { renders, buffer } = recorder();
    buffer.add('late\n');
    buffer.dispose();
    buffer.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(renders, []);
  });
});
