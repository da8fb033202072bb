/**
 * How the store sizes its packs (ADR 0013). One fdatasync per object is what a first capture of
 * a tree of small files would otherwise spend its time on, so small objects share files.
 */

/** Objects up to this size go into packs; larger ones are files of their own. */
export const PACKED_MAX_BYTES = 1024 * 1024;
/** A lease's small objects are written out as a pack once they reach this much. */
export const PACK_FLUSH_BYTES = 32 * 1024 * 1024;
/** Packs with fewer object bytes than this are merged when a sweep runs. */
export const SMALL_PACK_BYTES = 1024 * 1024;
/** Small packs that gather before compact() merges them. */
export const COMPACT_AT = 32;
