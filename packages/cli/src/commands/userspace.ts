import { parseArgs } from 'node:util';
import { inspectPackage, parsePackageManifest } from '@paddock/app-package';
import type { InstallResult, PurgePlan, UserspaceApp, UserspaceAppList } from '@paddock/shared';
import { PaddockError } from '@paddock/sdk';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';
import { emit, emitTable, isJson } from '../output.js';
import { uploadPackage } from './packageUpload.js';
import { humanBytes, printIssues, versionOf } from './pkgOutput.js';
import { appSummary, printInstallResult } from './userspaceOutput.js';
import {
  getRequest,
  installRequest,
  listRequest,
  packageSource,
  rollbackRequest,
  uninstallRequest,
  type PackageSource,
} from './userspaceRequests.js';

/** `paddock userspace …`: installed userspace apps. */
export async function userspace(api: ApiClient, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest);
  const [first] = positionals;
  switch (sub) {
    case 'install':
    case 'update': {
      if (positionals.length !== 1 || first === undefined) break;
      const source = packageSource(first);
      if (sub === 'update' && !(await checkInstalled(api, source))) return 1;
      const result = await install(api, source, values.consent === true);
      return printInstallResult(result, isJson());
    }
    case 'ls':
    case 'list': {
      if (positionals.length !== 0) break;
      const req = listRequest(values.trashed === true);
      const { items } = await api.json<UserspaceAppList>(req.method, req.path);
      emitTable(items, ['ID', 'NAME', 'VERSION', 'STATUS', 'PROVENANCE'], (a) => [
        a.id,
        a.name,
        versionOf(a),
        a.status,
        a.provenance,
      ]);
      return 0;
    }
    case 'rollback': {
      if (positionals.length !== 1 || first === undefined) break;
      const req = rollbackRequest(first, values['restore-data'] === true);
      const app = await api.json<UserspaceApp>(req.method, req.path, req.json);
      emit(app, (a) => console.log(appSummary(a)));
      return 0;
    }
    case 'uninstall':
    case 'rm': {
      if (positionals.length !== 1 || first === undefined) break;
      return uninstall(api, first, values.purge === true, values.yes === true);
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
        consent: { type: 'boolean' },
        trashed: { type: 'boolean' },
        'restore-data': { type: 'boolean' },
        purge: { type: 'boolean' },
        yes: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function install(
  api: ApiClient,
  source: PackageSource,
  consent: boolean,
): Promise<InstallResult> {
  const req = installRequest(source, consent);
  if (req.upload === undefined) {
    process.stderr.write('installing…\n');
    return api.json<InstallResult>(req.method, req.path, req.json);
  }
  const res = await uploadPackage(api, req.path, req.upload);
  return (await res.json()) as InstallResult;
}

/** An update is for an installed app: a file's (from its manifest) must be there. */
async function checkInstalled(api: ApiClient, source: PackageSource): Promise<boolean> {
  if (source.kind === 'url') return true;
  const listing = await inspectPackage(source.path);
  const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
  if (!parsed.valid) {
    printIssues(`the paddock-app.json in ${source.path}`, parsed.errors);
    return false;
  }
  const req = getRequest(parsed.manifest.id);
  try {
    await api.json<UserspaceApp>(req.method, req.path);
    return true;
  } catch (err) {
    if (err instanceof PaddockError && err.status === 404) {
      console.error(
        `paddock: ${parsed.manifest.id} (${parsed.manifest.name}) is not installed; ` +
          'use paddock userspace install',
      );
      return false;
    }
    throw err;
  }
}

async function uninstall(api: ApiClient, id: string, purge: boolean, yes: boolean) {
  const req = uninstallRequest(id, purge, yes);
  if (!purge) {
    await api.json(req.method, req.path);
    emit({ id, status: 'trashed' }, () => console.log(`${id}\ttrashed`));
    return 0;
  }
  try {
    const plan = await api.json<PurgePlan>(req.method, req.path);
    emit(plan, () =>
      console.log(`${id}\tpurged\t${plan.paths.length} paths, ${humanBytes(plan.bytes)}`),
    );
    return 0;
  } catch (err) {
    if (yes || !(err instanceof PaddockError) || err.code !== 'confirmation_required') throw err;
    const plan = err.details as Partial<PurgePlan> | undefined;
    console.log(`purging ${id} would remove, for good:`);
    for (const p of plan?.paths ?? []) console.log(`  ${p}`);
    if (plan?.bytes !== undefined) console.log(`  ${humanBytes(plan.bytes)} in all`);
    console.error('paddock: nothing removed; add --yes to purge');
    return 1;
  }
}
