import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PTY_LIMITS,
  PaddockError,
  PtyFrameReader,
  encodePtyFrame,
  parsePtyInput,
  parsePtyOutput,
} from '../src/index.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaddockError) return err.code;
    throw err;
  }
  return 'none';
};

describe('the terminal protocol', () => {
  it('frames bytes and control messages, whatever the chunking', () => {
    const utf8 = Buffer.from('h\u00e9llo \u2192 \u2713', 'utf8');
    const stream = Buffer.concat([
      encodePtyFrame('data', utf8),
      encodePtyFrame('control', '{"type":"resize","cols":100,"rows":30}'),
      encodePtyFrame('data', Buffer.alloc(0)),
    ]);
    for (const size of [1, 2, 5, 7, stream.length]) {
      const reader = new PtyFrameReader();
      const frames = [];
      for (let at = 0; at < stream.length; at += size) {
        frames.push(...reader.push(stream.subarray(at, at + size)));
      }
      assert.deepEqual(
        frames.map((f) => [f.kind, f.payload.toString('utf8')]),
        [
          ['data', 'h\u00e9llo \u2192 \u2713'],
          ['control', '{"type":"resize","cols":100,"rows":30}'],
          ['data', ''],
        ],
        `chunks of ${size}`,
      );
    }
  });

  it('refuses unknown kinds and frames over their limit before reading them', () => {
    const bad = Buffer.from([7, 0, 0, 0, 1, 0]);
    assert.equal(
      codeOf(() => new PtyFrameReader().push(bad)),
      'bad_request',
    );
    const header = (kind: number, length: number): Buffer => {
      const b = Buffer.alloc(5);
      b[0] = kind;
      b.writeUInt32BE(length, 1);
      return b;
    };
    assert.equal(
      codeOf(() => new PtyFrameReader().push(header(0, PTY_LIMITS.framePayloadBytes + 1))),
      'bad_request',
    );
    assert.equal(
      codeOf(() => new PtyFrameReader().push(header(1, PTY_LIMITS.controlBytes + 1))),
      'bad_request',
    );
  });

  it('checks what a client sends', () => {
    assert.deepEqual(parsePtyInput('{"type":"resize","cols":100,"rows":30}'), {
      type: 'resize',
      cols: 100,
      rows: 30,
    });
    assert.deepEqual(parsePtyInput('{"type":"signal","signal":"SIGINT"}'), {
      type: 'signal',
      signal: 'SIGINT',
    });
    assert.deepEqual(parsePtyInput('{"type":"eof"}'), { type: 'eof' });
    for (const text of [
      'not json',
      '[]',
      '{"type":"resize","cols":0,"rows":30}',
      '{"type":"resize","cols":100.5,"rows":30}',
      `{"type":"resize","cols":${PTY_LIMITS.maxCols + 1},"rows":30}`,
      '{"type":"signal","signal":"SIGSEGV"}',
      '{"type":"exit","code":0,"signal":null}',
      `{"type":"signal","signal":"SIGINT","pad":"${'x'.repeat(PTY_LIMITS.controlBytes)}"}`,
    ]) {
      assert.equal(
        codeOf(() => parsePtyInput(text)),
        'bad_request',
        text.slice(0, 60),
      );
    }
    assert.equal(
      codeOf(() => parsePtyInput('{"type":"signal","signal":"SIGINT","x":1}')),
      'unknown_field',
    );
  });

  it('checks what the agent sends (code in the sandbox may send anything)', () => {
    assert.deepEqual(parsePtyOutput('{"type":"exit","code":3,"signal":null}'), {
      type: 'exit',
      code: 3,
      signal: null,
    });
    assert.deepEqual(parsePtyOutput('{"type":"exit","code":null,"signal":"SIGKILL"}'), {
      type: 'exit',
      code: null,
      signal: 'SIGKILL',
    });
    for (const text of [
      '{"type":"exit","code":"3","signal":null}',
      '{"type":"exit","code":3,"signal":"<script>"}',
      '{"type":"error","code":"no_such_code","message":"x"}',
      '{"type":"resize","cols":1,"rows":1}',
    ]) {
      assert.equal(
        codeOf(() => parsePtyOutput(text)),
        'bad_request',
        text,
      );
    }
  });
});
