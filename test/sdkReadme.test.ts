// The SDK's README, as a user meets it: every example is type-checked against the packed
// package's own declarations (nothing from the monorepo) and run against a real daemon on
// Node; the first two also on Bun and Deno (installed from the npm registry as dev dependencies).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { suiteDaemon } from './harness.js';
import { installSdk, type InstalledSdk } from './sdkPackage.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'packages/sdk/README.md'), 'utf8');
const EXAMPLES = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** What each example prints, in README order: proof that it did what its heading says. */
const EXPECTED: RegExp[] = [
  /line 1\nline 2\nline 3\nexit code 0\nship it\n\nfile notes\/todo\.txt\n/,
  /exited 0 done\nserver ended by SIGKILL/,
  /status: succeeded[\s\S]*Hello from a task[\s\S]*checkpoint: [0-9a-f]{40} [\s\S]*preview: http/,
  /ready \d+ files\nfork app\w+ of app\w+/,
  /API_TOKEN \(sealed\) true\nallowed: registry\.npmjs\.org\n/,
  /404 not_found\nexec ended: aborted/,
  /^3 true$/m,
];
const OTHER_RUNTIMES = 2;

describe('the SDK README', () => {
  const d = suiteDaemon();
  let installed: InstalledSdk;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    installed = await installSdk();
    EXAMPLES.forEach((code, i) =>
      fs.writeFileSync(path.join(installed.dir, `example${i}.ts`), code),
    );
    env = { ...process.env, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token };
  });
  after(() => installed?.remove());

  it('has an expected output for each example', () => {
    assert.equal(EXAMPLES.length, EXPECTED.length);
  });

  it("type-checks every example against the published package's declarations alone", async () => {
    fs.writeFileSync(
      path.join(installed.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['example*.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const { stdout } = await run(process.execPath, [tsc, '-p', installed.dir]).catch(
      (err: { stdout: string }) => ({ stdout: err.stdout }),
    );
    assert.equal(stdout.trim(), '');
    const published = JSON.parse(
      fs.readFileSync(path.join(installed.dir, 'node_modules/@paddock/sdk/package.json'), 'utf8'),
    ) as { dependencies?: object };
    assert.equal(published.dependencies, undefined, 'the published package has no dependencies');
  });

  for (let i = 0; i < EXPECTED.length; i++) {
    it(`runs example ${i + 1} on Node`, async () => {
      const tsx = import.meta.resolve('tsx/esm');
      const { stdout } = await run(process.execPath, ['--import', tsx, `example${i}.ts`], {
        cwd: installed.dir,
        env,
      });
      assert.match(stdout, EXPECTED[i]!);
    });
  }

  for (let i = 0; i < OTHER_RUNTIMES; i++) {
    it(`runs example ${i + 1} on Bun`, async () => {
      const bun = path.join(ROOT, 'node_modules/.bin/bun');
      const { stdout } = await run(bun, ['run', `example${i}.ts`], { cwd: installed.dir, env });
      assert.match(stdout, EXPECTED[i]!);
    });

    it(`runs example ${i + 1} on Deno`, async () => {
      const deno = path.join(ROOT, 'node_modules/.bin/deno');
      const { stdout } = await run(deno, ['run', '--allow-all', `example${i}.ts`], {
        cwd: installed.dir,
        env: { ...env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(installed.dir, '.deno') },
      });
      assert.match(stdout, EXPECTED[i]!);
    });
  }
});
