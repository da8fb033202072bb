import { parseArgs } from 'node:util';
import {
  contentDigest,
  inspectPackage,
  parsePackageManifest,
  signPackageFile,
  verifyPackage,
  type PackageListing,
} from '@paddock/app-package';
import type { AppPackageManifest } from '@paddock/shared';
import { readAppKey } from '../appKeyFile.js';
import { UsageError } from '../args.js';
import { isJson } from '../output.js';
import { buildPackage } from './pkgBuild.js';
import { fields, humanBytes, packageScan, printIssues, versionOf } from './pkgOutput.js';

/** `paddock pkg …`: .paddockapp packages on this machine. */
export async function pkg(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest);
  const [file] = positionals;
  if (positionals.length === 1 && file !== undefined) {
    switch (sub) {
      case 'build':
        if (!values.key) break;
        return buildPackage({
          dir: file,
          keyFile: values.key,
          outFile: values.output,
          setId: values['set-id'] === true,
        });
      case 'sign':
        if (!values.key) break;
        return sign(file, values.key, values.output ?? file);
      case 'verify':
        return verify(file);
      case 'inspect':
        return inspect(file, isJson());
    }
  }
  throw new UsageError('');
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'set-id': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function sign(file: string, keyFile: string, outFile: string): Promise<number> {
  const key = readAppKey(keyFile);
  const signed = await signPackageFile(file, key.privateKeyPem, outFile);
  console.log(outFile);
  console.log(
    fields([
      ['app id', key.appId],
      ['digest', signed.digest],
    ]),
  );
  return 0;
}

/** The package's manifest, or null after printing its issues. */
function manifestOf(file: string, listing: PackageListing): AppPackageManifest | null {
  const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
  if (parsed.valid) return parsed.manifest;
  printIssues(`the paddock-app.json in ${file}`, parsed.errors);
  return null;
}

async function verify(file: string): Promise<number> {
  const listing = await inspectPackage(file);
  const manifest = manifestOf(file, listing);
  if (manifest === null) return 1;
  const digest = await contentDigest(listing, file);
  verifyPackage(listing.signature, digest, manifest.id);
  console.log(
    fields([
      ['app id', manifest.id],
      ['version', versionOf(manifest)],
      ['digest', digest],
    ]),
  );
  console.log('signature OK');
  return 0;
}

async function inspect(file: string, json: boolean): Promise<number> {
  const listing = await inspectPackage(file);
  const manifest = manifestOf(file, listing);
  const scan = packageScan(listing, manifest);
  const entries = listing.entries.map((e) => ({
    path: e.path,
    type: e.type,
    size: e.size,
    compressed_size: e.compressedSize,
    sha256: e.sha256,
  }));
  if (json) {
    const signed = listing.signature !== null;
    console.log(JSON.stringify({ manifest, signed, scan, entries }, null, 2));
    return manifest === null ? 1 : 0;
  }
  const rows: [string, string][] = [];
  if (manifest !== null) {
    const entry = manifest.entry === undefined ? '' : ` (entry ${manifest.entry})`;
    rows.push(
      ['name', manifest.name],
      ['app id', manifest.id],
      ['version', versionOf(manifest)],
      ['min upgradable', String(manifest.min_upgradable_version)],
      ['type', `${manifest.app_type}${entry}`],
      ['permissions', manifest.permissions.join(', ') || '(none)'],
      ['optional', manifest.optional_permissions.join(', ') || '(none)'],
    );
  }
  rows.push(
    ['signature', listing.signature === null ? 'none' : 'present (check it with pkg verify)'],
    ['files', `${scan.files}, ${humanBytes(scan.total_bytes)}`],
    ['scripts', String(scan.scripts)],
    ['network', scan.network_origins.join(', ') || '(none)'],
  );
  console.log(fields(rows));
  console.log('entries:');
  const width = Math.max(...entries.map((e) => String(e.size).length));
  for (const e of entries) {
    console.log(`  ${e.type === 'dir' ? 'd' : '-'} ${String(e.size).padStart(width)}  ${e.path}`);
  }
  return manifest === null ? 1 : 0;
}
