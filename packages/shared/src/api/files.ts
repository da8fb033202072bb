import { Type } from 'typebox';
import { FileType } from '../agent/messages.js';
import { strict } from './common.js';

export const WorkspacePath = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: 'A path inside the workspace; relative, or absolute under /workspace',
});

export const FilePathQuery = Type.Object({ path: WorkspacePath }, strict);
/** A write's target and, optionally, its mode (octal, e.g. `0644`). */
export const FileWriteQuery = Type.Object(
  { path: WorkspacePath, mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3,4}$' })) },
  strict,
);
export const FileDeleteQuery = Type.Object(
  { path: WorkspacePath, recursive: Type.Optional(Type.Boolean()) },
  strict,
);
export const FileListQuery = Type.Object(
  {
    path: Type.Optional(WorkspacePath),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 1 })),
  },
  strict,
);

/** GET /v1/sandboxes/{id}/files/watch: which directory, how deep, and whether to look inside `.git` and `node_modules`. */
export const FileWatchQuery = Type.Object(
  {
    path: Type.Optional(WorkspacePath),
    recursive: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Watch every directory below too (symlinks are never followed)',
      }),
    ),
    include_ignored: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Also watch inside `.git` and `node_modules` directories; by default only those directories themselves are reported',
      }),
    ),
  },
  strict,
);

export const FileStatSchema = Type.Object(
  {
    path: Type.String(),
    name: Type.String(),
    type: FileType,
    size: Type.Integer(),
    mode: Type.String(),
    modified_at: Type.String(),
    link_target: Type.Optional(Type.String()),
  },
  { $id: 'FileStat' },
);

export const FileListingSchema = Type.Object({
  path: Type.String(),
  entries: Type.Array(FileStatSchema),
  truncated: Type.Boolean(),
});

export const MkdirBody = Type.Object(
  { path: WorkspacePath, parents: Type.Optional(Type.Boolean()) },
  strict,
);
export const MoveBody = Type.Object(
  { from: WorkspacePath, to: WorkspacePath, overwrite: Type.Optional(Type.Boolean()) },
  strict,
);
export const FileWriteResult = Type.Object({ path: Type.String(), size: Type.Integer() });
