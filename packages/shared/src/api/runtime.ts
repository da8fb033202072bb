import { Type, type Static } from 'typebox';
import { Capability } from '../capabilities.js';
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
/** A path inside the workspace or the package: relative, `/`-separated, no `.` or `..` segment. */
const RelativePath = Type.String({ minLength: 1, maxLength: 255 });
/**
 * How `POST /v1/apps/{id}/publish` packages the app as a userspace app: what the package's
 * `paddock-app.json` says, and which files go in. A web app's package is its build's `output`
 * directory (`entry` the HTML file there it opens with); a service app's is the workspace, less
 * regenerable directories, with its `sandbox.yaml`.
 */
export const PublishSectionSchema = Type.Object({
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "Absent: the app's name" }),
  ),
  type: Type.Enum(['web', 'service'], { description: '`web` unless set' }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  icon: Type.Optional(RelativePath),
  permissions: Type.Array(Capability, { maxItems: 64, uniqueItems: true }),
  optional_permissions: Type.Array(Capability, { maxItems: 64, uniqueItems: true }),
  output: Type.Optional(RelativePath),
  entry: Type.Optional(RelativePath),
  version_label: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
});
/**
 * A filestore an app's sandbox has: the owner's filestore of that name (made on the local
 * backend the first time), shown at `path` below /data, read-only unless `rw`.
 */
export const ManifestFilestoreSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
  path: Type.String({ description: 'Below /data, e.g. /data/uploads' }),
  mode: Type.Enum(['ro', 'rw']),
});
export type ManifestFilestore = Static<typeof ManifestFilestoreSchema>;

export const RuntimeManifestSchema = Type.Object(
  {
    version: Type.Literal(1),
    web: Type.Optional(WebProcessSchema),
    build: Type.Optional(BuildStepSchema),
    workers: Type.Array(WorkerProcessSchema),
    egress: Type.Optional(ManifestEgressSchema),
    publish: Type.Optional(PublishSectionSchema),
    filestores: Type.Optional(Type.Array(ManifestFilestoreSchema, { maxItems: 16 })),
  },
  {
    $id: 'RuntimeManifest',
    description:
      'Absent web: a worker-only app. Absent build or egress: the preset default. Absent publish: the app cannot be published.',
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
export type PublishSection = Static<typeof PublishSectionSchema>;
export type RuntimeManifest = Static<typeof RuntimeManifestSchema>;
export type ManifestIssue = Static<typeof ManifestIssueSchema>;
