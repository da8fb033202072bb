import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseFailpoints } from '../src/failpoints.js';

const MODULE = new URL('../src/failpoints.ts', import.meta.url).pathname;

/** Runs a child that reaches `a` three times then prints "done", under `spec`. */
function child(spec: string | undefined) {
  const script =
    `const { failpoint } = await import(${JSON.stringify(MODULE)});` +
    `for (let i = 1; i <= 3; i++) { console.log('at ' + i); failpoint('a'); }` +
    `console.log('done');`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, PADDOCK_FAILPOINTS: spec ?? '' },
    encoding: 'utf8',
  });
}

describe('failpoints', () => {
  it('do nothing unless armed', () => {
    const r = child(undefined);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done/);
  });

  it('kill the process with SIGKILL where armed, on the Nth time if asked', () => {
    const first = child('a=kill');
    assert.equal(first.signal, 'SIGKILL');
    assert.equal(first.stdout.trim(), 'at 1');
    const second = child('other=throw,a=kill:2');
    assert.equal(second.signal, 'SIGKILL');
    assert.equal(second.stdout.trim(), 'at 1\nat 2');
  });

  it('throw where armed to throw', () => {
    const r = child('a=throw:3');
    assert.notEqual(r.status, 0);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /failpoint a/);
    assert.doesNotMatch(r.stdout, /done/);
  });

  it('refuse a spec they cannot read', () => {
    assert.throws(() => parseFailpoints('a=explode'), /cannot read "a=explode"/);
    assert.throws(() => parseFailpoints('A B=kill'), /cannot read/);
    assert.equal(parseFailpoints(' a=kill , b=throw:2 ').get('b')?.at, 2);
  });
});
