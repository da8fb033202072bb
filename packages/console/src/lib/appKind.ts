import type { App, ProjectKind } from '@paddock/shared';

/** What detection recognised a project as, as a person names it. */
export const PROJECT_KIND_WORDS: Record<ProjectKind, string> = {
  vite: 'Vite',
  nextjs: 'Next.js',
  remix: 'Remix',
  astro: 'Astro',
  sveltekit: 'SvelteKit',
  express: 'Express',
  fastify: 'Fastify',
  node: 'Node.js',
  fastapi: 'FastAPI',
  flask: 'Flask',
  django: 'Django',
  python: 'Python',
  static: 'static site',
  unknown: 'not recognised',
};

/**
 * What the app was made from, where a preset would be shown: for an imported project what it
 * was detected as (its preset, if any, is only the cache its lockfile matched), else the preset.
 */
export function appKindLabel(app: Pick<App, 'preset' | 'import'>): string {
  if (!app.import) return app.preset ?? 'Imported';
  const kind = app.import.detection?.kind;
  if (!kind || kind === 'unknown') return 'Imported';
  return `Imported (${PROJECT_KIND_WORDS[kind]})`;
}
