import type { App } from '@paddock/shared';

/** The repository the app was imported from, when it came from git. */
export function importedGitUrl(app: App): string | null {
  const source = app.import?.source;
  return source?.kind === 'git' ? source.url : null;
}

/** The host of an https URL, or null while it is not one. */
export function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/** The branch pushes and pulls default to: the imported ref when there was one, else main. */
export function defaultBranch(app: App): string {
  const source = app.import?.source;
  return source?.kind === 'git' && source.ref ? source.ref : 'main';
}

/** A commit as people quote it. */
export function shortCommit(sha: string): string {
  return sha.slice(0, 12);
}
