import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { App, GitPullResult, GitPushResult } from '@paddock/shared';
import type { ApiClient } from '../apiClient.js';
import { UsageError } from '../args.js';
import { emit } from '../output.js';

/** `paddock app import`: a project brought in from an archive file or a git repository. */
export async function importProject(api: ApiClient, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      git: { type: 'string' },
      ref: { type: 'string' },
      'token-env': { type: 'string' },
      review: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (
    !values.name ||
    positionals.length > 1 ||
    (file === undefined) === (values.git === undefined)
  ) {
    throw new UsageError('');
  }
  let app: App;
  if (values.git !== undefined) {
    const tokenVar = values['token-env'];
    const token = tokenVar === undefined ? undefined : process.env[tokenVar];
    if (tokenVar !== undefined && !token) throw new UsageError(`${tokenVar} is not set`);
    app = await api.json<App>('POST', '/v1/apps', {
      name: values.name,
      source: {
        git: {
          url: values.git,
          ...(values.ref !== undefined ? { ref: values.ref } : {}),
          ...(token ? { token } : {}),
        },
      },
      ...(values.review ? { review: true } : {}),
    });
  } else {
    const query = new URLSearchParams({ name: values.name });
    if (values.review) query.set('review', 'true');
    const res = await api.request('POST', `/v1/apps/import?${query}`, {
      body: fs.createReadStream(file!),
      contentType: 'application/octet-stream',
    });
    app = (await res.json()) as App;
  }
  emit(app, printImport);
  return 0;
}

/** `paddock app confirm`: the import under review starts, with an edited sandbox.yaml if given. */
export async function confirmImport(api: ApiClient, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { manifest: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('');
  const manifest =
    values.manifest === undefined ? undefined : fs.readFileSync(values.manifest, 'utf8');
  const app = await api.json<App>(
    'POST',
    `/v1/apps/${positionals[0]}/import/confirm`,
    manifest === undefined ? {} : { manifest },
  );
  emit(app, (a) => console.log(`${a.id}\t${a.import?.state ?? '-'}`));
  return 0;
}

/** `paddock app push|pull`: the app's history to or from a git remote's branch. */
export async function gitSync(
  api: ApiClient,
  way: 'push' | 'pull',
  argv: string[],
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      branch: { type: 'string' },
      url: { type: 'string' },
      ...(way === 'push' ? { force: { type: 'boolean' as const } } : {}),
    },
  });
  if (positionals.length !== 1 || !values.branch) throw new UsageError('');
  const body = {
    branch: values.branch,
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...('force' in values && values.force ? { force: true } : {}),
  };
  const path = `/v1/apps/${positionals[0]}/git/${way}`;
  if (way === 'push') {
    const r = await api.json<GitPushResult>('POST', path, body);
    emit(r, () => console.log(`${r.commit}\t${r.url}\t${r.branch}`));
  } else {
    const r = await api.json<GitPullResult>('POST', path, body);
    emit(r, () =>
      console.log(`${r.checkpoint}\t${r.changed ? 'changed' : 'unchanged'}\t(was ${r.previous})`),
    );
  }
  return 0;
}

/** What detection found and where the app stands, or the whole app as JSON. */
function printImport(app: App): void {
  const d = app.import?.detection;
  console.log(
    [app.id, app.name, app.import?.state ?? '-', d?.kind ?? '-', d?.package_manager ?? '-'].join(
      '\t',
    ),
  );
  for (const note of d?.notes ?? []) console.error(`  ${note}`);
  if (d?.manifest_source === 'proposed') {
    console.error('  proposed sandbox.yaml:');
    for (const line of d.manifest.trimEnd().split('\n')) console.error(`    ${line}`);
  }
}
