// The SDK as its users get it: `npm pack`ed by packages/sdk/scripts/pack.mjs, installed from the
// tarball into a project of its own (no workspace links), and imported from there.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sdk from '@paddock/sdk';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface InstalledSdk {
  /** The project the tarball is installed in (its node_modules/@paddock/sdk). */
  dir: string;
  tarball: string;
  sdk: typeof Sdk;
  remove(): void;
}

/** Packs the SDK and installs the tarball into a fresh project with `ws` (for terminals). */
export async function installSdk(): Promise<InstalledSdk> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-sdk-'));
  const tarball = execFileSync(
    process.execPath,
    [path.join(ROOT, 'packages/sdk/scripts/pack.mjs'), dir],
    { encoding: 'utf8', cwd: ROOT },
  )
    .trim()
    .split('\n')
    .pop()!;
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // What a user adds next to it: `ws` for terminals on Node, and Node's types for the examples.
  const modules = path.join(dir, 'node_modules');
  fs.symlinkSync(path.join(ROOT, 'node_modules/ws'), path.join(modules, 'ws'));
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules/@types/node'), path.join(modules, '@types/node'));
  const entry = path.join(modules, '@paddock/sdk/index.js');
  const sdk = (await import(pathToFileURL(entry).href)) as typeof Sdk;
  return { dir, tarball, sdk, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
