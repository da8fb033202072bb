// Imported snapshots belong to no app, so no app's list shows them: the console remembers, per
// app page, the ones imported from it (in this browser), to offer restore, fork and delete.
import { useSyncExternalStore } from 'react';

const CHANGE_EVENT = 'paddock:imported-snapshots';
const EMPTY: readonly string[] = [];
/** Enough for any real use; the oldest are forgotten first. */
const KEEP = 50;

function storageKey(appId: string): string {
  return `paddock.importedSnapshots.${appId}`;
}

// Snapshots of what was read, so useSyncExternalStore sees a stable value between changes.
const cache = new Map<string, { raw: string | null; ids: readonly string[] }>();

function read(appId: string): readonly string[] {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(storageKey(appId));
  } catch {
    return EMPTY;
  }
  const known = cache.get(appId);
  if (known && known.raw === raw) return known.ids;
  let ids: readonly string[] = EMPTY;
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) ids = parsed.filter((v): v is string => typeof v === 'string');
  } catch {
    ids = EMPTY;
  }
  cache.set(appId, { raw, ids });
  return ids;
}

function write(appId: string, ids: readonly string[]): void {
  try {
    window.localStorage.setItem(storageKey(appId), JSON.stringify(ids.slice(0, KEEP)));
  } catch {
    // Storage full or refused: the import still happened; it is just not remembered here.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

export function rememberImport(appId: string, snapshotId: string): void {
  write(appId, [snapshotId, ...read(appId).filter((id) => id !== snapshotId)]);
}

export function forgetImport(appId: string, snapshotId: string): void {
  write(
    appId,
    read(appId).filter((id) => id !== snapshotId),
  );
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(CHANGE_EVENT, onChange);
  window.addEventListener('storage', onChange);
  return () => {
    window.removeEventListener(CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

/** The ids of snapshots imported from this app's page, newest first. */
export function useImportedSnapshotIds(appId: string): readonly string[] {
  return useSyncExternalStore(subscribe, () => read(appId));
}
