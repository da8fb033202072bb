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
import { buildPackage } from './pkgBuild.js';
import { fields, humanBytes, packageScan, printIssues, versionOf } from './pkgOutput.js';

const USAGE = `usage:
  paddock pkg build DIR --key KEYFILE [-o OUT.paddockapp] [--set-id]
      DIR/paddock-app.json checked, its id the key's (KEYFILE is made when missing;
      --set-id writes the key's id into the manifest), DIR packed and signed. Leaves out
      node_modules, .git, the key file and .paddockapp files at the top of DIR.
      OUT defaults to NAME-VERSION.paddockapp here.
  paddock pkg sign FILE --key KEYFILE [-o OUT]   (adds or replaces the signature; OUT: FILE)
  paddock pkg verify FILE                        (the signature, against the manifest's id)
  paddock pkg inspect FILE [--json]              (manifest, scan report and entries)
These read and write local files only; they need no daemon.`;

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
        return inspect(file, values.json === true);
    }
  }
  console.error(USAGE);
  return 2;
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
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
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
