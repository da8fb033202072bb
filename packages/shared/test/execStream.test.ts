import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExecStreamParser, encodeExecFrame } from '../src/execStream.js';

describe('exec stream parser', () => {
  const stream =
    'event: start\ndata: {"pid":1}\n\n: comment\r\nevent: stdout\r\ndata: {"text":"h\\u00e9"}\r\n\r\n' +
    'event: stdout\rdata: {"text":"x"}\r\revent: exit\ndata: {"exit_code":0}\n\n';

  test('parses frames across every possible chunk boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new ExecStreamParser();
      const frames = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      assert.deepEqual(
        frames.map((f) => f.event),
        ['start', 'stdout', 'stdout', 'exit'],
        `cut at ${cut}`,
      );
      assert.deepEqual(frames[1]?.data, { text: 'hé' });
    }
  });

  test('joins multi-line data and ignores unknown events', () => {
    const parser = new ExecStreamParser();
    const frames = parser.push('event: other\ndata: {}\n\nevent: exit\ndata: {"a":\ndata: 1}\n\n');
    assert.deepEqual(frames, [{ event: 'exit', data: { a: 1 } }]);
  });
});

describe('exec stream encoding', () => {
  test('round-trips through the parser', () => {
    const frames = [
      { event: 'start', data: { pid: 7 } },
      { event: 'stdout', data: { text: 'line one\nline two\n' } },
      { event: 'exit', data: { exit_code: 0 } },
    ] as const;
    const text = frames.map((f) => encodeExecFrame(f as never)).join('');
    assert.deepEqual(new ExecStreamParser().push(text), frames);
  });
});
