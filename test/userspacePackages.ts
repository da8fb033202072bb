/** Signed `.paddockapp` files for the daemon's userspace tests, made with a real zip writer. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import {
  contentDigest,
  generateAppKey,
  inspectPackage,
  signPackage,
  type AppKeyPair,
} from '@paddock/app-package';
import type { AppPackageManifest, InstallResult } from '@paddock/shared';

/** An install's answer: the result, or the error envelope. */
export type UploadAnswer = InstallResult & { error: { code: string; details?: unknown } };

export const packageScratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-us-'));
// Shared by every test of the file that imports this: removed when its process ends.
process.once('exit', () => fs.rmSync(packageScratch, { recursive: true, force: true }));
let n = 0;

export interface PackageSpec {
  key: AppKeyPair;
  version: number;
  name?: string;
  app_type?: 'web' | 'service';
  permissions?: string[];
  optional_permissions?: string[];
  min_upgradable_version?: number;
  files?: Record<string, string | Buffer>;
  /** Sign as this key instead (the manifest still names `key`'s id). */
  signWith?: AppKeyPair;
  unsigned?: boolean;
  /** Deflate the files (default: stored). */
  compress?: boolean;
}

export function manifestOf(spec: PackageSpec): AppPackageManifest {
  return {
    id: spec.key.appId,
    name: spec.name ?? 'Notes',
    version: spec.version,
    version_label: `${spec.version}.0.0`,
    min_upgradable_version: spec.min_upgradable_version ?? 1,
    app_type: spec.app_type ?? 'web',
    ...(spec.app_type === 'service' ? {} : { entry: 'index.html' }),
    description: 'A test app.',
    permissions: (spec.permissions ?? ['app.kv']) as AppPackageManifest['permissions'],
    optional_permissions: (spec.optional_permissions ?? []) as AppPackageManifest['permissions'],
    release_notes: `Version ${spec.version}.`,
  };
}

/** Stored, not deflated, unless asked: a test can find and change a byte of a file. */
function zip(entries: Record<string, string | Buffer>, compress = false): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, body] of Object.entries(entries)) {
    z.addBuffer(Buffer.isBuffer(body) ? body : Buffer.from(body), name, {
      mode: 0o100644,
      compress,
    });
  }
  z.end();
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (b: Buffer) => parts.push(b));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}

/** A signed package as bytes, and a file holding them. */
export async function makePackage(spec: PackageSpec): Promise<{ bytes: Buffer; file: string }> {
  const files = {
    'paddock-app.json': JSON.stringify(manifestOf(spec), null, 2),
    ...(spec.files ?? { 'index.html': `<h1>v${spec.version}</h1>` }),
  };
  const file = path.join(packageScratch, `p${n++}.paddockapp`);
  fs.writeFileSync(file, await zip(files, spec.compress));
  if (!spec.unsigned) {
    const digest = await contentDigest(await inspectPackage(file), file);
    const sig = signPackage((spec.signWith ?? spec.key).privateKeyPem, digest);
    fs.writeFileSync(file, await zip({ ...files, 'paddock-app.sig': sig }, spec.compress));
  }
  return { bytes: fs.readFileSync(file), file };
}

export { generateAppKey };

/** POSTs a package's bytes as a raw body. */
export async function upload(
  url: string,
  token: string,
  bytes: Buffer,
  query = '',
): Promise<{ status: number; body: UploadAnswer }> {
  const res = await fetch(`${url}/v1/userspace-apps${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.paddock.app' },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as UploadAnswer };
}
