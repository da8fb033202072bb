import { getPreset } from '@paddock/presets';
import { PaddockError, type HostWorkspace } from '@paddock/shared';
import {
  DEFAULT_EXCLUDED_NAMES,
  readManifest,
  type ContentStore,
  type SnapshotManifest,
} from '@paddock/snapshots';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { SnapshotRow } from './snapshotStore.js';

/** The defaults plus what the sandbox's preset declares. */
export function excludedNamesFor(sandbox: SandboxRow): Set<string> {
  const preset = sandbox.preset === null ? undefined : getPreset(sandbox.preset);
  return new Set([...DEFAULT_EXCLUDED_NAMES, ...(preset?.snapshotExclude ?? [])]);
}

/** Without a freezer a running sandbox could change paths under the root walk: refused. */
export function assertQuiesced(ws: HostWorkspace): void {
  if (!ws.quiesced) {
    throw new PaddockError(
      'conflict',
      'this host cannot freeze a running sandbox (no cgroup freezer); stop the sandbox first',
    );
  }
}

/** The snapshot's manifest, read from the store (and checked there). */
export async function manifestOf(
  content: ContentStore,
  row: SnapshotRow,
): Promise<SnapshotManifest> {
  if (row.manifest_sha256 === null) {
    throw new PaddockError('snapshot_not_ready', `snapshot ${row.id} has no content`);
  }
  return readManifest(content, row.manifest_sha256);
}
