import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TaskLogs } from '../packages/daemon/src/tasks/taskLog.js';

describe('reading a task log in pieces (how app.agent follows a task)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-tasklog-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads from an offset, never cutting a character in two, and ends where the log ends', () => {
    const logs = new TaskLogs(dir);
    logs.prepare('t1');
    const text = 'héllo → wörld 🐎 done\n';
    logs.append('t1', text);
    let after = 0;
    let read = '';
    for (let i = 0; i < 100 && after < Buffer.byteLength(text); i++) {
      const piece = logs.read('t1', after, 5);
      assert.ok(!piece.text.includes('\ufffd'), 'no replacement characters');
      read += piece.text;
      after = piece.next;
    }
    assert.equal(read, text);
    assert.equal(logs.size('t1'), Buffer.byteLength(text));
    assert.deepEqual(logs.read('t1', after, 5), { text: '', next: after });
    assert.deepEqual(logs.read('missing', 0, 10), { text: '', next: 0 });
  });
});
