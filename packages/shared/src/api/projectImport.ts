import { Type, type Static } from 'typebox';
import { strict } from './common.js';
import { WorkspacePath } from './files.js';

/**
 * Bringing an existing project in (from git or an archive) and taking it out again (an archive,
 * a git push). What detection found is the daemon's proposal; the project's own sandbox.yaml,
 * when it has one, always wins.
 */

/** An https URL of a git repository, without credentials in it. */
export const GitUrl = Type.String({
  maxLength: 2048,
  pattern: '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s@]*)?$',
  description:
    'An https URL of a git repository, with no credentials in it: a token for a private ' +
    'repository is a sealed config value that the egress proxy injects for its host',
});

/** A branch, tag or commit: never an option (no leading `-`), no `..`, no spaces. */
export const GitRef = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9._/-]*$',
  description: 'A branch, a tag or a commit',
});

export const GitSource = Type.Object(
  {
    url: GitUrl,
    ref: Type.Optional(GitRef),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          "Write-only: an access token for a private repository. Kept sealed as the app's " +
          'sensitive `GIT_TOKEN` config value (policy `agent_access`: a `control_plane_only` ' +
          'value is never injected), injected by the egress proxy as HTTP Basic auth ' +
          '(`Basic {basic:USER}`) for the URL’s host; never written into the workspace or `.git/config`',
      }),
    ),
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[^:\\s]+$',
        description: 'The Basic auth user the token goes with (default `x-access-token`)',
      }),
    ),
  },
  strict,
);
export type GitSource = Static<typeof GitSource>;

export const AppSource = Type.Object({ git: GitSource }, strict);
export type AppSource = Static<typeof AppSource>;

export const ProjectKind = Type.Enum(
  [
    'vite',
    'nextjs',
    'remix',
    'astro',
    'sveltekit',
    'express',
    'fastify',
    'node',
    'fastapi',
    'flask',
    'django',
    'python',
    'static',
    'unknown',
  ],
  { description: 'What the project was recognised as' },
);
export type ProjectKind = Static<typeof ProjectKind>;

export const PackageManager = Type.Enum(['npm', 'pnpm', 'yarn', 'pip'], {
  description: 'The package manager the project uses (from its lockfile)',
});
export type PackageManager = Static<typeof PackageManager>;

export const ProjectDetectionSchema = Type.Object(
  {
    kind: ProjectKind,
    package_manager: Type.Union([PackageManager, Type.Null()]),
    preset: Type.Union([Type.String(), Type.Null()], {
      description:
        "A preset whose lockfile the project's equals: its dependencies come from that preset's shared cache",
    }),
    manifest_source: Type.Enum(['workspace', 'proposed'], {
      description:
        '`workspace`: the project has its own sandbox.yaml; `proposed`: detection wrote one',
    }),
    manifest: Type.String({ description: 'The sandbox.yaml the app runs by, as text' }),
    notes: Type.Array(Type.String(), { description: 'What detection saw, in words' }),
  },
  { $id: 'ProjectDetection' },
);
export type ProjectDetection = Static<typeof ProjectDetectionSchema>;

export const AppImportSchema = Type.Object(
  {
    source: Type.Union([
      Type.Object({
        kind: Type.Literal('git'),
        url: Type.String(),
        ref: Type.Union([Type.String(), Type.Null()]),
        commit: Type.Union([Type.String(), Type.Null()], {
          description: 'The commit the import checked out',
        }),
      }),
      Type.Object({
        kind: Type.Literal('archive'),
        snapshot_id: Type.String({ description: 'The snapshot the upload was kept as' }),
      }),
      Type.Object({ kind: Type.Literal('snapshot'), snapshot_id: Type.String() }),
    ]),
    state: Type.Enum(['importing', 'review', 'started'], {
      description:
        '`importing`: the files are on their way in; `review`: the processes wait for ' +
        'POST /v1/apps/{id}/import/confirm; `started`: they run',
    }),
    detection: Type.Union([ProjectDetectionSchema, Type.Null()], {
      description: 'Null while importing',
    }),
  },
  { $id: 'AppImport' },
);
export type AppImport = Static<typeof AppImportSchema>;

/** `POST /v1/apps/import`: the archive is the body. */
export const ImportAppQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' }),
    review: Type.Optional(
      Type.Boolean({ description: 'Hold the processes until the import is confirmed' }),
    ),
  },
  strict,
);
export type ImportAppQuery = Static<typeof ImportAppQuery>;

/** What an app import accepts: tar, tar.gz (recognised by its bytes) and zip. */
export const APP_ARCHIVE_TYPES = [
  'application/x-tar',
  'application/gzip',
  'application/x-gzip',
  'application/zip',
  'application/octet-stream',
];

export const ConfirmImportBody = Type.Object(
  {
    manifest: Type.Optional(
      Type.String({
        maxLength: 65536,
        description: 'sandbox.yaml as edited; written into the project before the processes start',
      }),
    ),
  },
  strict,
);
export type ConfirmImportBody = Static<typeof ConfirmImportBody>;

export const AppArchiveQuery = Type.Object(
  {
    format: Type.Optional(Type.Enum(['tar.gz', 'zip'], { default: 'tar.gz' })),
    git: Type.Optional(
      Type.Boolean({ description: 'Include the .git directory (the history); default false' }),
    ),
  },
  strict,
);
export type AppArchiveQuery = Static<typeof AppArchiveQuery>;

export const GitPushBody = Type.Object(
  {
    url: Type.Optional(GitUrl),
    branch: GitRef,
    force: Type.Optional(Type.Boolean({ description: 'Overwrite the remote branch' })),
  },
  strict,
);
export type GitPushBody = Static<typeof GitPushBody>;

export const GitPushResult = Type.Object({
  url: Type.String(),
  branch: Type.String(),
  commit: Type.String({ description: 'The commit the remote branch now points at' }),
});
export type GitPushResult = Static<typeof GitPushResult>;

export const GitPullBody = Type.Object({ url: Type.Optional(GitUrl), branch: GitRef }, strict);
export type GitPullBody = Static<typeof GitPullBody>;

export const GitPullResult = Type.Object({
  previous: Type.String({ description: 'HEAD before the pull' }),
  checkpoint: Type.String({ description: 'HEAD after it: the checkpoint the pull made' }),
  changed: Type.Boolean({ description: 'False when the remote had nothing new' }),
});
export type GitPullResult = Static<typeof GitPullResult>;

/** `PUT|GET /v1/sandboxes/{id}/archive?path=`: a directory as a tar stream, in or out. */
export const SandboxArchiveQuery = Type.Object(
  {
    path: WorkspacePath,
  },
  strict,
);
export type SandboxArchiveQuery = Static<typeof SandboxArchiveQuery>;

export const SandboxArchiveResult = Type.Object({
  path: Type.String(),
  files: Type.Integer({ minimum: 0 }),
  bytes: Type.Integer({ minimum: 0 }),
});
export type SandboxArchiveResult = Static<typeof SandboxArchiveResult>;
