import type { PackageJson } from './packageJson.js';
import type { ProjectKind } from './types.js';

/** A Node framework with a dev server of its own: how to start it on a fixed loopback port. */
export interface NodeFramework {
  kind: ProjectKind;
  /** Recognised when package.json depends on one of these. */
  packages: readonly string[];
  /** A further condition, when depending on the package is not enough. */
  when?: (pkg: PackageJson) => boolean;
  /** The dev server, bound to 127.0.0.1 on `port`, its binary run from node_modules/.bin. */
  command: (pkg: PackageJson) => string;
  port: number;
  /** Vite serves only the host names it knows: the preview's is added (below). */
  vite: boolean;
  note?: string;
}

/** Server libraries that, next to Vite, usually mean Vite is their middleware, not the server. */
const SERVER_LIBRARIES = ['express', 'fastify'];

/** Vite's dev server flags: loopback, the manifest's port, and fail rather than pick another. */
const VITE_FLAGS = '--host 127.0.0.1 --port 5173 --strictPort';

/**
 * In the order they are tried: meta-frameworks before Vite, which they are built on, and Vite
 * before the server libraries it may sit beside.
 */
export const NODE_FRAMEWORKS: readonly NodeFramework[] = [
  {
    kind: 'nextjs',
    packages: ['next'],
    command: () =>
      'NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next dev --hostname 127.0.0.1 --port 3000',
    port: 3000,
    vite: false,
    note: "Next.js serves dev resources to other hosts only when next.config's allowedDevOrigins lists them (see the nextjs preset)",
  },
  {
    // React Router 7's framework mode is Remix's successor.
    kind: 'remix',
    packages: ['@react-router/dev'],
    command: () => `node_modules/.bin/react-router dev ${VITE_FLAGS}`,
    port: 5173,
    vite: true,
  },
  {
    kind: 'remix',
    packages: ['@remix-run/dev'],
    when: (pkg) => pkg.dependencies.has('vite'),
    command: () => `node_modules/.bin/remix vite:dev ${VITE_FLAGS}`,
    port: 5173,
    vite: true,
  },
  {
    // Remix's own compiler: `remix dev` starts remix-serve, which binds PORT.
    kind: 'remix',
    packages: ['@remix-run/dev'],
    command: () => 'node_modules/.bin/remix dev',
    port: 3000,
    vite: false,
  },
  {
    kind: 'astro',
    packages: ['astro'],
    command: () => 'node_modules/.bin/astro dev --host 127.0.0.1 --port 4321',
    port: 4321,
    vite: true,
  },
  {
    kind: 'sveltekit',
    packages: ['@sveltejs/kit'],
    command: () => `node_modules/.bin/vite dev ${VITE_FLAGS}`,
    port: 5173,
    vite: true,
  },
  {
    kind: 'vite',
    packages: ['vite'],
    // Beside Express or Fastify, Vite is the dev server only when the dev script starts it.
    when: (pkg) =>
      !SERVER_LIBRARIES.some((name) => pkg.dependencies.has(name)) ||
      /^\s*vite(\s|$)/.test(pkg.scripts.get('dev') ?? ''),
    command: (pkg) =>
      `node_modules/.bin/vite${runnerConfigLoader(pkg) ? ' --configLoader runner' : ''} ${VITE_FLAGS}`,
    port: 5173,
    vite: true,
  },
];

/** Libraries a Vite app is written with, named in the notes. */
export const VITE_UI_LIBRARIES: readonly [string, string][] = [
  ['react', 'React'],
  ['vue', 'Vue'],
  ['svelte', 'Svelte'],
  ['preact', 'Preact'],
  ['solid-js', 'Solid'],
  ['lit', 'Lit'],
];

/** Server libraries recognised as such; they run through the project's own entry point. */
export const NODE_SERVER_LIBRARIES: readonly { kind: ProjectKind; packages: readonly string[] }[] =
  [
    { kind: 'fastify', packages: ['fastify'] },
    { kind: 'express', packages: ['express'] },
  ];

/**
 * Vite 6.1+ can load its config without writing a temporary file into node_modules (which may
 * be a preset's read-only cache): used, as the presets do, when the declared range is that new.
 */
function runnerConfigLoader(pkg: PackageJson): boolean {
  const m = /^[\s^~>=v]*(\d+)(?:\.(\d+))?/.exec(pkg.dependencies.get('vite') ?? '');
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  return major > 6 || (major === 6 && minor >= 1);
}

/** Lets Vite answer the preview's host names (it refuses unknown Host headers by default). */
export const VITE_PREVIEW_HOSTS = '__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS=.$PADDOCK_PREVIEW_DOMAIN';
