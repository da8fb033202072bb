import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  MasterKeyError,
  keyFile,
  loadMasterKey,
  open,
  readOrCreateSecretFile,
  seal,
  sealedKeyId,
  stateKey,
  writeKeyFile,
} from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

describe('the master key', () => {
  it('is generated once into a 0600 file and read back the same', () => {
    const first = loadMasterKey({ env: undefined, stateDir: dir });
    assert.equal(first.current.source, 'file');
    assert.equal(first.pendingNext, null);
    assert.equal(mode(keyFile(dir)), 0o600);
    const again = loadMasterKey({ env: undefined, stateDir: dir });
    assert.equal(again.current.id, first.current.id);
    assert.ok(again.current.key.equals(first.current.key));
  });

  it('comes from PADDOCK_SECRETS_KEY when set, and a bad one says what is wrong', () => {
    const key = crypto.randomBytes(32);
    const loaded = loadMasterKey({ env: key.toString('base64'), stateDir: dir });
    assert.equal(loaded.current.source, 'env');
    assert.ok(loaded.current.key.equals(key));
    assert.equal(fs.existsSync(keyFile(dir)), false);
    assert.throws(
      () => loadMasterKey({ env: 'c2hvcnQ=', stateDir: dir }),
      (err: unknown) => err instanceof MasterKeyError && /32 bytes.*got 5 bytes/.test(err.message),
    );
  });

  it("offers a rotation's next key found beside the current one", () => {
    const { current } = loadMasterKey({ env: undefined, stateDir: dir });
    const next = crypto.randomBytes(32);
    writeKeyFile(`${keyFile(dir)}.next`, next);
    const loaded = loadMasterKey({ env: undefined, stateDir: dir });
    assert.equal(loaded.current.id, current.id);
    assert.ok(loaded.pendingNext?.key.equals(next));
    assert.notEqual(loaded.pendingNext?.id, current.id);
  });
});

describe('sealed values', () => {
  const place = 'app_1/OPENAI_API_KEY';

  it('open to the plaintext in their place only, and never show it', () => {
    const { current } = loadMasterKey({ env: undefined, stateDir: dir });
    const sealed = seal(current, 'sk-test-value', place);
    assert.equal(sealed.includes('sk-test-value'), false);
    assert.equal(sealedKeyId(sealed), current.id);
    assert.deepEqual(open(current, sealed, place), { ok: true, plaintext: 'sk-test-value' });
    assert.deepEqual(open(current, sealed, 'app_2/OPENAI_API_KEY'), {
      ok: false,
      reason: 'corrupt',
    });
    // A fresh nonce each time: the same value seals differently.
    assert.notEqual(seal(current, 'sk-test-value', place), sealed);
  });

  it('say so when sealed with another key or altered', () => {
    const a = loadMasterKey({ env: crypto.randomBytes(32).toString('base64'), stateDir: dir });
    const b = loadMasterKey({ env: crypto.randomBytes(32).toString('base64'), stateDir: dir });
    const sealed = seal(a.current, 'value', place);
    assert.deepEqual(open(b.current, sealed, place), { ok: false, reason: 'other_key' });
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.deepEqual(open(a.current, parts.join('.'), place), { ok: false, reason: 'corrupt' });
    assert.deepEqual(open(a.current, 'not a sealed value', place), {
      ok: false,
      reason: 'corrupt',
    });
  });
});

describe('key files in the state dir', () => {
  it('are made 0600 on first use and kept after', () => {
    const key = stateKey(dir, 'session.key');
    assert.equal(Buffer.from(key, 'base64url').length, 32);
    assert.equal(mode(path.join(dir, 'session.key')), 0o600);
    assert.equal(stateKey(dir, 'session.key'), key);
    assert.notEqual(stateKey(dir, 'preview.key'), key);
  });

  it('replace a value that is not valid, and tighten a loose mode', () => {
    const file = path.join(dir, 'admin.token');
    fs.writeFileSync(file, 'short\n', { mode: 0o644 });
    const made = readOrCreateSecretFile(
      file,
      () => 'a-long-enough-token',
      (v) => v.length > 10,
    );
    assert.deepEqual(made, { value: 'a-long-enough-token', created: true });
    assert.equal(mode(file), 0o600);
    fs.chmodSync(file, 0o644);
    const read = readOrCreateSecretFile(
      file,
      () => 'other',
      (v) => v.length > 10,
    );
    assert.deepEqual(read, { value: 'a-long-enough-token', created: false });
    assert.equal(mode(file), 0o600);
  });
});
