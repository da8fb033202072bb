import { Type, type Static } from 'typebox';
import { strict } from './common.js';

/** `POST /v1/presets/update`: what to do beside rebuilding the caches and moving apps. */
export const DependencyUpdateBody = Type.Object(
  {
    dry_run: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Report what would be built, moved and removed; change nothing',
      }),
    ),
    prune: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also remove cache entries of earlier lockfiles that nothing uses',
      }),
    ),
  },
  strict,
);
export type DependencyUpdateBody = Static<typeof DependencyUpdateBody>;

const Reason = Type.Union([Type.String(), Type.Null()], {
  description: 'Why, for an outcome other than the plain one',
});

export const CacheUpdateSchema = Type.Object({
  name: Type.String({ description: 'A preset (`node-express`) or a tool (`tool-codex`)' }),
  kind: Type.Enum(['preset', 'tool']),
  key: Type.String({ description: "The current lockfile's cache key" }),
  outcome: Type.Enum(['built', 'present', 'would_build', 'failed']),
  reason: Reason,
  ms: Type.Integer(),
});
export type CacheUpdate = Static<typeof CacheUpdateSchema>;

export const AppDependencyUpdateSchema = Type.Object({
  app_id: Type.String(),
  owner: Type.String(),
  name: Type.String(),
  preset: Type.String(),
  outcome: Type.Enum(['moved', 'would_move', 'up_to_date', 'not_moved', 'failed']),
  reason: Reason,
  restart_needed: Type.Boolean({
    description: 'Moved while running: its processes use the new dependencies after a restart',
  }),
  checkpoint: Type.Union([Type.String(), Type.Null()], {
    description: 'The checkpoint that records the move (running apps with a repository)',
  }),
});
export type AppDependencyUpdate = Static<typeof AppDependencyUpdateSchema>;

export const CachePruneSchema = Type.Object({
  entry: Type.String({ description: 'The cache entry, `<name>-<key>`' }),
  outcome: Type.Enum(['removed', 'would_remove', 'kept', 'failed']),
  reason: Reason,
});

export const DependencyUpdateReport = Type.Object({
  dry_run: Type.Boolean(),
  caches: Type.Array(CacheUpdateSchema),
  apps: Type.Array(AppDependencyUpdateSchema),
  pruned: Type.Array(CachePruneSchema, { description: 'Empty unless `prune` was asked for' }),
});
export type DependencyUpdateReport = Static<typeof DependencyUpdateReport>;
