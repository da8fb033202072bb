// The web client as one ES module with no imports (dist/paddock-app-sdk.js), for apps to copy
// into their package and load with <script type="module">: an app's bundle has no node_modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

await build({
  entryPoints: [path.join(here, 'src/index.ts')],
  outfile: path.join(here, 'dist/paddock-app-sdk.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
  legalComments: 'none',
});
