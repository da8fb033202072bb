import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFilePath, checkListPrefix } from '../src/paths.js';
import { code } from './backendContract.js';

test('checkFilePath takes relative paths of ordinary segments', () => {
  for (const ok of ['a', 'a/b.txt', 'ü/日本/x y', '.hidden/..dots', 'a\\b', 'x'.repeat(255)]) {
    assert.equal(checkFilePath(ok), ok);
  }
});

test('checkFilePath refuses escapes, empty segments, control characters and long paths', () => {
  const bad = [
    '',
    '/a',
    'a/',
    'a//b',
    '.',
    '..',
    'a/./b',
    'a/../b',
    '../a',
    'a\u0000',
    'a\tb',
    'a\u007f',
    'x'.repeat(256),
    `${'abcdefgh/'.repeat(114)}abc`, // 1029 bytes
    'ü'.repeat(128), // 256 bytes in one segment
    '\uD800',
  ];
  for (const path of bad) assert.throws(() => checkFilePath(path), code('invalid_path'), path);
  assert.throws(() => checkFilePath(42), code('invalid_path'));
  assert.equal(checkFilePath(`${'abcdefgh/'.repeat(113)}abcdefg`).length, 1024);
});

test('checkListPrefix takes an empty prefix or a directory path, one trailing / dropped', () => {
  assert.equal(checkListPrefix(''), '');
  assert.equal(checkListPrefix(undefined), '');
  assert.equal(checkListPrefix('a/b'), 'a/b');
  assert.equal(checkListPrefix('a/b/'), 'a/b');
  for (const bad of ['/', '/a', 'a//', '..', 'a/../b']) {
    assert.throws(() => checkListPrefix(bad), code('invalid_path'), bad);
  }
});
