import { PaddockError } from '@paddock/shared';

/**
 * The single errno → API error mapping, so every file route (and exec's cwd check) answers the
 * same code for the same failure.
 */
export function fsError(err: unknown, path: string): Error {
  if (err instanceof PaddockError) return err;
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return new PaddockError('file_not_found', `no such file or directory: ${path}`);
    case 'ENOTDIR':
      return new PaddockError('not_a_directory', `not a directory: ${path}`);
    case 'EISDIR':
      return new PaddockError('is_a_directory', `is a directory: ${path}`);
    case 'EEXIST':
      return new PaddockError('already_exists', `already exists: ${path}`);
    case 'ENOTEMPTY':
      return new PaddockError('directory_not_empty', `directory not empty: ${path}`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new PaddockError('no_space', 'the workspace disk is full');
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PaddockError('forbidden', `permission denied: ${path}`);
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return new PaddockError('invalid_path', `cannot resolve path: ${path}`);
    case 'EINVAL':
      return new PaddockError('bad_request', `invalid operation on ${path}`);
    default:
      // Not a client mistake: the server logs it and answers `internal`.
      return err instanceof Error ? err : new Error(String(err));
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
