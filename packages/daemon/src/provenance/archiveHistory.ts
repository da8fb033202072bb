import { PaddockError } from '@paddock/shared';
import { MAX_ARCHIVE_METADATA_BYTES } from '@paddock/snapshots';
import type { ProvenanceKind } from '../store/schema.js';
import type { ProvenanceEntry } from './provenanceStore.js';

const KINDS: readonly ProvenanceKind[] = [
  'task',
  'agent_change',
  'forked_from',
  'restored_from',
  'imported',
];
const MAX_ENTRIES = 20_000;
const FIELD_MAX = { entry_id: 200, at: 40, task_id: 100, actor: 200, ref: 100, origin: 200 };

/** A snapshot's history as its export carries it (the archive's metadata). */
export interface ArchiveMetadata {
  provenance: ProvenanceEntry[];
  /** Task entries left out (the oldest) to keep the metadata within its bound. */
  provenance_truncated?: number;
}

/**
 * The metadata an export carries. Past the archive's bound, the oldest task entries go (and
 * are counted); agents' keys, markers and the newest tasks stay, so the tier never changes.
 */
export function archiveMetadata(entries: ProvenanceEntry[]): ArchiveMetadata {
  const kept = [...entries];
  let dropped = 0;
  const size = () =>
    Buffer.byteLength(JSON.stringify({ provenance: kept, provenance_truncated: dropped }));
  while (size() > MAX_ARCHIVE_METADATA_BYTES - 1024) {
    const oldestTask = kept.findIndex((e) => e.kind === 'task');
    const tasks = kept.filter((e) => e.kind === 'task').length;
    // One task always stays: it is what makes the code ai-generated.
    if (oldestTask < 0 || tasks <= 1) break;
    kept.splice(oldestTask, 1);
    dropped++;
  }
  return dropped > 0 ? { provenance: kept, provenance_truncated: dropped } : { provenance: kept };
}

/**
 * The history an imported archive carries: none for an archive without metadata (older
 * exports, or made by hand), refused as `invalid_archive` when the metadata is malformed.
 */
export function historyOfArchive(metadata: unknown): ProvenanceEntry[] {
  if (metadata === null || metadata === undefined) return [];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw bad('not an object');
  const list = (metadata as { provenance?: unknown }).provenance;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > MAX_ENTRIES) {
    throw bad(`provenance must be a list of at most ${MAX_ENTRIES} entries`);
  }
  return list.map((raw, i) => entryOf(raw, i));
}

function entryOf(raw: unknown, i: number): ProvenanceEntry {
  if (typeof raw !== 'object' || raw === null) throw bad(`entry ${i} is not an object`);
  const r = raw as Record<string, unknown>;
  const text = (key: keyof typeof FIELD_MAX, nullable: boolean): string | null => {
    const v = r[key];
    if (v === null && nullable) return null;
    if (typeof v !== 'string' || v.length === 0 || v.length > FIELD_MAX[key]) {
      throw bad(`entry ${i}: ${key} must be a string of at most ${FIELD_MAX[key]} characters`);
    }
    return v;
  };
  const kind = r.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw bad(`entry ${i}: unknown kind`);
  }
  return {
    entry_id: text('entry_id', false)!,
    kind: kind as ProvenanceKind,
    at: text('at', false)!,
    task_id: text('task_id', true),
    actor: text('actor', true),
    ref: text('ref', true),
    origin: text('origin', false)!,
  };
}

function bad(reason: string): PaddockError {
  return new PaddockError('invalid_archive', `the archive's provenance metadata: ${reason}`);
}
