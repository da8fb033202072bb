/**
 * The hashes one capture or import is using. While a lease holds a hash, a sweep never removes
 * that object, even before the snapshot that refers to it is committed (see ContentStore.sweep).
 */
export class Lease {
  readonly hashes = new Set<string>();
  /** Small objects new to the store, waiting to go into a pack (see ContentStore.commit). */
  pending = new Map<string, Buffer>();
  pendingBytes = 0;
  /** Batches being written as packs: still this lease's, so the same bytes are not packed twice. */
  readonly writing = new Set<ReadonlyMap<string, Buffer>>();
  /** This lease's pack writes, for commit to wait on. */
  readonly flushes = new Set<Promise<void>>();
  /** The write a full batch waits for (see ObjectWriter.putSmall). */
  flushing: Promise<void> | null = null;
  private released = false;
  constructor(private readonly onRelease: (lease: Lease) => void) {}
  hold(sha256: string): void {
    this.hashes.add(sha256);
  }
  /** Call after the snapshot is committed (or given up): from then on, references protect it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pending = new Map();
    this.onRelease(this);
  }
}

/** The store's leases, and the ones a running sweep must still count as holding. */
export class Leases {
  private readonly active = new Set<Lease>();
  /** Leases released while a sweep ran: they keep protecting until that sweep ends. */
  private readonly lingering = new Set<Lease>();
  private sweeping = 0;

  open(): Lease {
    const lease = new Lease((l) => {
      this.active.delete(l);
      if (this.sweeping > 0) this.lingering.add(l);
    });
    this.active.add(lease);
    return lease;
  }

  isHeld(sha256: string): boolean {
    for (const lease of this.active) if (lease.hashes.has(sha256)) return true;
    for (const lease of this.lingering) if (lease.hashes.has(sha256)) return true;
    return false;
  }

  /**
   * Runs a sweep: a lease released meanwhile keeps protecting until it ends, because its
   * snapshot may have been committed after the sweep read the references.
   */
  async duringSweep<T>(sweep: () => Promise<T>): Promise<T> {
    this.sweeping++;
    try {
      return await sweep();
    } finally {
      if (--this.sweeping === 0) this.lingering.clear();
    }
  }
}
