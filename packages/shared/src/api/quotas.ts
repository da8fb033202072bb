import { Type, type Static } from 'typebox';
import { OwnerName } from './auth.js';
import { strict } from './common.js';
import { SETTINGS_BOUNDS } from './settings.js';

/**
 * What one owner may hold. Each has a default setting (`QUOTA_SETTINGS`) an admin may
 * override per owner. Running, memory and CPU count sandboxes running or starting; disk counts
 * every sandbox not deleted (a stopped one's workspace is still on disk).
 */
export const QUOTA_KEYS = [
  'sandboxes_running',
  'memory_mb',
  'cpus',
  'disk_mb',
  'snapshot_storage_mb',
  'filestore_mb',
] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** The setting that holds each quota's default (0 means no limit, except for snapshots). */
export const QUOTA_SETTINGS = {
  sandboxes_running: 'quota_sandboxes_running',
  memory_mb: 'quota_memory_mb',
  cpus: 'quota_cpus',
  disk_mb: 'quota_disk_mb',
  snapshot_storage_mb: 'snapshot_storage_mb',
  filestore_mb: 'quota_filestore_mb',
} as const satisfies Record<QuotaKey, keyof typeof SETTINGS_BOUNDS>;

/** The unit each quota is counted in, as messages name it. */
export const QUOTA_UNITS: Record<QuotaKey, string> = {
  sandboxes_running: '',
  memory_mb: 'MiB',
  cpus: 'cores',
  disk_mb: 'MiB',
  snapshot_storage_mb: 'MiB',
  filestore_mb: 'MiB',
};

const bound = (key: QuotaKey) => SETTINGS_BOUNDS[QUOTA_SETTINGS[key]];
const overrideOf = (key: QuotaKey, description: string) =>
  Type.Optional(
    Type.Union([key === 'cpus' ? Type.Number(bound(key)) : Type.Integer(bound(key)), Type.Null()], {
      description: `${description}; null clears the override`,
    }),
  );

/** A PATCH of one owner's overrides: keys given are set, null clears one, others stay. */
export const PatchOwnerQuotasBody = Type.Object(
  {
    sandboxes_running: overrideOf('sandboxes_running', 'Sandboxes running or starting at once'),
    memory_mb: overrideOf('memory_mb', 'MiB of memory reserved by running sandboxes'),
    cpus: overrideOf('cpus', 'CPU cores reserved by running sandboxes'),
    disk_mb: overrideOf('disk_mb', 'MiB of workspace disk reserved by sandboxes not deleted'),
    snapshot_storage_mb: overrideOf('snapshot_storage_mb', 'MiB of files snapshots describe'),
    filestore_mb: overrideOf('filestore_mb', 'MiB held in filestores'),
  },
  { ...strict, minProperties: 1 },
);
export type PatchOwnerQuotasBody = Static<typeof PatchOwnerQuotasBody>;

export const QuotaSource = Type.Union([Type.Literal('default'), Type.Literal('override')]);
export type QuotaSource = Static<typeof QuotaSource>;

export const QuotaState = Type.Object({
  limit: Type.Number({ description: 'The limit in force; 0: no limit' }),
  source: QuotaSource,
  used: Type.Number({ description: 'What the owner holds now, in the same unit' }),
});
export type QuotaState = Static<typeof QuotaState>;

export const OwnerQuotasSchema = Type.Object(
  {
    owner: Type.String(),
    quotas: Type.Object({
      sandboxes_running: QuotaState,
      memory_mb: QuotaState,
      cpus: QuotaState,
      disk_mb: QuotaState,
      snapshot_storage_mb: QuotaState,
      filestore_mb: QuotaState,
    }),
  },
  { $id: 'OwnerQuotas' },
);
export type OwnerQuotas = Static<typeof OwnerQuotasSchema>;

export const OwnerQuotasList = Type.Object({ items: Type.Array(OwnerQuotasSchema) });
export type OwnerQuotasList = Static<typeof OwnerQuotasList>;

export const OwnerParams = Type.Object({ owner: OwnerName }, strict);
