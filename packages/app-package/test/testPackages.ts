import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { inspectPackage, type PackageLimits } from '../src/index.js';
import { rawZip, type RawEntry } from './zipCorpus.js';

export const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-apppkg-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

export function write(bytes: Buffer): string {
  const file = path.join(scratch, `p${counter++}.paddockapp`);
  fs.writeFileSync(file, bytes);
  return file;
}

export const MANIFEST = '{"name":"shop","version":"1.0.0"}';
export const manifest: RawEntry = { name: 'paddock-app.json', data: Buffer.from(MANIFEST) };
export const text = (name: string, body = 'x'): RawEntry => ({ name, data: Buffer.from(body) });

async function refusal(file: string, limits?: Partial<PackageLimits>): Promise<PaddockError> {
  try {
    await inspectPackage(file, limits);
  } catch (err) {
    assert.ok(err instanceof PaddockError, `not a PaddockError: ${String(err)}`);
    return err;
  }
  assert.fail('the package was accepted');
}

export async function assertRefused(
  label: string,
  entries: RawEntry[] | Buffer,
  code: string,
  entry: string | undefined,
  limits?: Partial<PackageLimits>,
): Promise<void> {
  const bytes = Buffer.isBuffer(entries) ? entries : rawZip(entries);
  const err = await refusal(write(bytes), limits);
  assert.equal(err.code, code, `${label}: ${err.message}`);
  if (entry !== undefined) {
    assert.deepEqual(err.details, { entry }, label);
    assert.ok(err.message.includes(JSON.stringify(entry)), `${label}: ${err.message}`);
  }
}
