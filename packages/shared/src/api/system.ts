import { Type, type Static } from 'typebox';
import { LimitsSchema } from './sandboxes.js';

/** The answer of `/healthz` and `/readyz`. */
export const ProbeSchema = Type.Object({ status: Type.String() });
export type Probe = Static<typeof ProbeSchema>;

/** `GET /v1/system`: the daemon, its driver and the sandbox limits in force. */
export const SystemInfoSchema = Type.Object({
  version: Type.String(),
  driver: Type.Object({
    driver: Type.String(),
    cgroup: Type.String(),
    details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  }),
  default_limits: LimitsSchema,
  max_limits: LimitsSchema,
  owner: Type.String(),
  role: Type.String(),
});
export type SystemInfo = Static<typeof SystemInfoSchema>;

/** `POST /v1/system/backup`: what goes into the archive beyond the data. */
export const BackupQuerySchema = Type.Object({
  include_key: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Put the secrets master key in the archive (else it names the key it needs)',
    }),
  ),
});
export type BackupQuery = Static<typeof BackupQuerySchema>;
