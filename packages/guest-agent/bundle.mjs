// Bundles the agent into one file, dist/agent.mjs, that sandboxes run with plain `node`, and
// the fetch preload its children load (dist/fetch-proxy.cjs, with the undici part it loads on
// first use in dist/fetch-proxy-agent.cjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const sharedDist = path.resolve(here, '../shared/dist') + path.sep;

/**
 * @paddock/shared's index also re-exports the public API schemas, which pull in typebox. Its
 * modules are pure declarations, so telling esbuild they have no side effects lets it drop every
 * module the agent does not use: a smaller bundle, a faster start, less memory in each sandbox.
 */
const sharedIsPure = {
  name: 'shared-is-pure',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'inner') return undefined;
      const isShared = args.path === '@paddock/shared' || args.importer.startsWith(sharedDist);
      if (!isShared) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      return resolved.errors.length > 0 ? resolved : { ...resolved, sideEffects: false };
    });
  },
};

await build({
  entryPoints: [path.join(here, 'src/agent/main.ts')],
  outfile: path.join(here, 'dist/agent.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [sharedIsPure],
});

const cjs = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
};
await build({
  ...cjs,
  entryPoints: [path.join(here, 'src/agent/fetchProxy/preload.ts')],
  outfile: path.join(here, 'dist/fetch-proxy.cjs'),
  external: ['./fetch-proxy-agent.cjs'],
});
await build({
  ...cjs,
  entryPoints: [path.join(here, 'src/agent/fetchProxy/proxyAgent.ts')],
  outfile: path.join(here, 'dist/fetch-proxy-agent.cjs'),
  minify: true,
});
