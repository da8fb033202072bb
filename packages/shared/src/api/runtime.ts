import { Type, type Static } from 'typebox';
import { HostPattern } from './appConfig.js';
import { strict } from './common.js';

/** The runtime manifest (`sandbox.yaml`, version 1) after validation, with defaults filled in. */
export const WebProcessSchema = Type.Object({
  command: Type.String(),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  health_path: Type.String({ description: 'Polled for readiness; `/` unless set' }),
  restart_after_task: Type.Boolean({ description: 'Restart after an agent task (no live reload)' }),
});
export const BuildStepSchema = Type.Object({
  command: Type.String({ description: 'Empty: no build, reported as skipped, never as passed' }),
  timeout_seconds: Type.Integer(),
});
export const WorkerProcessSchema = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  command: Type.String(),
  restart_after_task: Type.Boolean(),
});
/**
 * The manifest's egress baseline: hosts its processes may reach (the preset's package registry,
 * say) before the app's or sandbox's own egress rules, which extend it and whose deny entries win.
 */
export const ManifestEgressSchema = Type.Object({
  allow: Type.Array(HostPattern, { maxItems: 64, uniqueItems: true }),
});
export const RuntimeManifestSchema = Type.Object(
  {
    version: Type.Literal(1),
    web: Type.Optional(WebProcessSchema),
    build: Type.Optional(BuildStepSchema),
    workers: Type.Array(WorkerProcessSchema),
    egress: Type.Optional(ManifestEgressSchema),
  },
  {
    $id: 'RuntimeManifest',
    description: 'Absent web: a worker-only app. Absent build or egress: the preset default.',
  },
);

export const ManifestIssueSchema = Type.Object({
  line: Type.Integer({ minimum: 1 }),
  column: Type.Integer({ minimum: 1 }),
  path: Type.String({ description: 'e.g. `workers[1].name`; empty for the whole document' }),
  message: Type.String(),
});

export const ValidateManifestBody = Type.Object(
  { content: Type.String({ maxLength: 128 * 1024, description: 'The text of a sandbox.yaml' }) },
  strict,
);

export const ManifestValidation = Type.Object({
  valid: Type.Boolean(),
  manifest: Type.Optional(RuntimeManifestSchema),
  errors: Type.Optional(Type.Array(ManifestIssueSchema)),
});

export type WebProcess = Static<typeof WebProcessSchema>;
export type BuildStep = Static<typeof BuildStepSchema>;
export type WorkerProcess = Static<typeof WorkerProcessSchema>;
export type ManifestEgress = Static<typeof ManifestEgressSchema>;
export type RuntimeManifest = Static<typeof RuntimeManifestSchema>;
export type ManifestIssue = Static<typeof ManifestIssueSchema>;
