// Builds the publishable @paddock/sdk and packs it with `npm pack` (into OUT_DIR, default publish/):
//   index.js   one ES module (esbuild), with the route table reduced to methods and URLs, so no
//              schema code ships; `ws` stays an optional peer, imported only for a terminal;
//   index.d.ts one declaration file (dts-bundle-generator) with @paddock/shared's and TypeBox's
//              types inlined: the published package has no dependencies.
// Prints the tarball's path. `node scripts/pack.mjs [OUT_DIR]`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROUTES } from '@paddock/shared';

const require = createRequire(import.meta.url);
const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// Staged in a directory of its own, so packs running at once (test files do) never meet.
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-sdk-pack-'));
const dest = path.resolve(process.argv[2] ?? path.join(here, 'publish'));

const table = Object.fromEntries(
  Object.entries(ROUTES).map(([feature, routes]) => [
    feature,
    Object.fromEntries(
      Object.entries(routes).map(([name, r]) => [name, { method: r.method, url: r.url }]),
    ),
  ]),
);

await build({
  entryPoints: [path.join(here, 'src/index.ts')],
  outfile: path.join(out, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['ws'],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'route-table',
      setup(b) {
        b.onResolve({ filter: /\/routeTable\.js$/ }, () => ({
          path: 'routeTable',
          namespace: 'rt',
        }));
        b.onLoad({ filter: /.*/, namespace: 'rt' }, () => ({
          contents: `export const ROUTES = ${JSON.stringify(table)};`,
          loader: 'js',
        }));
      },
    },
  ],
});

execFileSync(
  process.execPath,
  [
    path.join(
      path.dirname(require.resolve('dts-bundle-generator/package.json')),
      'dist/bin/dts-bundle-generator.js',
    ),
    '--project',
    path.join(here, 'tsconfig.json'),
    '--external-inlines',
    '@paddock/shared',
    'typebox',
    '--no-check',
    '--silent',
    '-o',
    path.join(out, 'index.d.ts'),
    path.join(here, 'src/index.ts'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
delete pkg.scripts;
delete pkg.dependencies;
delete pkg.private;
pkg.exports = { '.': { types: './index.d.ts', default: './index.js' } };
pkg.types = './index.d.ts';
pkg.files = ['index.js', 'index.d.ts', 'README.md'];
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
fs.copyFileSync(path.join(here, 'README.md'), path.join(out, 'README.md'));

fs.mkdirSync(dest, { recursive: true });
const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], {
  cwd: out,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .pop();
fs.rmSync(out, { recursive: true, force: true });
process.stdout.write(`${path.join(dest, name)}\n`);
