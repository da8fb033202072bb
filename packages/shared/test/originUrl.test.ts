import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBareOrigin } from '../src/originUrl.js';

describe('isBareOrigin', () => {
  it('takes http(s)://host[:port] with nothing after it', () => {
    for (const raw of [
      'http://localhost:7070',
      'https://paddock.example.test/',
      'http://[::1]:80',
    ]) {
      assert.equal(isBareOrigin(new URL(raw)), true, raw);
    }
  });

  it('refuses other schemes, paths, queries, fragments and credentials', () => {
    for (const raw of [
      'ftp://paddock.example.test',
      'https://paddock.example.test/console',
      'https://paddock.example.test/?a=1',
      'https://paddock.example.test/#top',
      'https://user@paddock.example.test',
      'https://user:pw@paddock.example.test',
    ]) {
      assert.equal(isBareOrigin(new URL(raw)), false, raw);
    }
  });
});
