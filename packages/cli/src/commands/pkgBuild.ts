import fs from 'node:fs';
import path from 'node:path';
import {
  MANIFEST_PATH,
  packPackage,
  parsePackageManifest,
  type PackageManifestIssue,
} from '@paddock/app-package';
import type { AppPackageManifest } from '@paddock/shared';
import { readOrCreateAppKey } from '../appKeyFile.js';
import { fields, humanBytes, printIssues, versionOf } from './pkgOutput.js';

export interface BuildOptions {
  dir: string;
  keyFile: string;
  outFile?: string;
  setId: boolean;
}

/** Always left out of a build. */
const EXCLUDED = ['node_modules', '.git'];

/**
 * `paddock pkg build`: the manifest in DIR checked, its id the key's (a new key made when the
 * file is missing), then DIR packed and signed.
 */
export async function buildPackage(o: BuildOptions): Promise<number> {
  const manifestFile = path.join(o.dir, MANIFEST_PATH);
  if (!fs.existsSync(manifestFile)) {
    console.error(`paddock: no ${MANIFEST_PATH} in ${o.dir}`);
    return 1;
  }
  const text = fs.readFileSync(manifestFile, 'utf8');
  const parsed = parsePackageManifest(text);
  if (!parsed.valid && !parsed.errors.every(isIdIssue)) {
    printIssues(manifestFile, parsed.errors);
    return 1;
  }
  const { key, created } = readOrCreateAppKey(o.keyFile);
  if (created) {
    console.error(
      `paddock: made a new app key in ${o.keyFile} (mode 0600). It is the app's identity:\n` +
        `  keep it safe and private; every update of the app must be signed with it.`,
    );
  }
  let manifest: AppPackageManifest;
  if (parsed.valid && parsed.manifest.id === key.appId) {
    manifest = parsed.manifest;
  } else {
    const current = parsed.valid ? parsed.manifest.id : idIn(text);
    if (!o.setId) {
      console.error(
        `paddock: ${manifestFile} has ${current ? `the id ${current}` : 'no valid id'}, but the ` +
          `key ${o.keyFile} signs for ${key.appId}.\n` +
          `  Pass --set-id to write the key's id into ${MANIFEST_PATH}, or use the app's own key.`,
      );
      return 1;
    }
    const rewritten = withId(text, key.appId);
    const again = parsePackageManifest(rewritten);
    if (!again.valid) {
      printIssues(manifestFile, again.errors);
      return 1;
    }
    fs.writeFileSync(manifestFile, rewritten);
    console.error(`paddock: wrote the id ${key.appId} into ${manifestFile}`);
    manifest = again.manifest;
  }
  const outFile = o.outFile ?? `${fileSafe(manifest.name)}-${manifest.version}.paddockapp`;
  const packed = await packPackage({
    dir: o.dir,
    manifest,
    privateKeyPem: key.privateKeyPem,
    outFile,
    exclude: [...EXCLUDED, ...leftOut(o.dir, o.keyFile)],
  });
  console.log(outFile);
  console.log(
    fields([
      ['app id', manifest.id],
      ['version', versionOf(manifest)],
      ['digest', packed.digest],
      ['files', `${packed.files} (${humanBytes(packed.bytes)} packed)`],
    ]),
  );
  return 0;
}

/** Only the id is wrong or missing: what `--set-id` (or a matching key) fixes. */
function isIdIssue(i: PackageManifestIssue): boolean {
  return i.path === 'id' || (i.path === '' && i.message === 'missing id');
}

function idIn(text: string): string | null {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}

/** The manifest's text with `id` set: in its place, or first when it had none. */
function withId(text: string, id: string): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  const next = 'id' in value ? { ...value, id } : { id, ...value };
  return `${JSON.stringify(next, null, 2)}\n`;
}

/**
 * Paths under DIR that must not be packed: the key file (a secret) when it is inside DIR, and
 * `.paddockapp` files at the top (earlier builds written to DIR).
 */
function leftOut(dir: string, keyFile: string): string[] {
  const out: string[] = [];
  const rel = path.relative(path.resolve(dir), path.resolve(keyFile));
  if (rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)) {
    console.error(`paddock: the key file is inside ${dir}; it is left out of the package`);
    out.push(`/${rel.split(path.sep).join('/')}`);
  }
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.paddockapp')) out.push(`/${name}`);
  }
  return out;
}

/** A name as a file name: letters, digits, `.`, `_` and `-`. */
function fileSafe(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '');
  return safe === '' ? 'app' : safe;
}
