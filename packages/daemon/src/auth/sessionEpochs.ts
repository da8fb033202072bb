import type { Db } from '../store/database.js';

/**
 * Each owner's session epoch (`owners.session_epoch`): a console session is good only while the
 * epoch it was issued at is still its owner's, so bumping it ("sign out everywhere") ends every
 * session of that owner at once. Every cookie-authenticated request checks it, so it is cached:
 * read from the store once per owner, then kept here, and this daemon is its only writer (a
 * bump updates the store, then the cache). Epochs only grow: a read that finishes after a bump
 * never lowers the cached one.
 */
export class SessionEpochs {
  private readonly cache = new Map<string, number>();
  private readonly loading = new Map<string, Promise<number>>();

  constructor(private readonly db: Db) {}

  current(owner: string): Promise<number> {
    const cached = this.cache.get(owner);
    if (cached !== undefined) return Promise.resolve(cached);
    let load = this.loading.get(owner);
    if (!load) {
      load = this.load(owner);
      this.loading.set(owner, load);
      const settled = () => this.loading.delete(owner);
      load.then(settled, settled);
    }
    return load;
  }

  /** Ends every session of `owner`; the new epoch, which sessions issued from now carry. */
  async bump(owner: string): Promise<number> {
    const row = await this.db
      .updateTable('owners')
      .set((eb) => ({ session_epoch: eb('session_epoch', '+', 1) }))
      .where('id', '=', owner)
      .returning('session_epoch')
      .executeTakeFirst();
    // Owners are never deleted and every principal's exists; none: nothing to end.
    const epoch = row?.session_epoch ?? 0;
    this.raise(owner, epoch);
    return this.cache.get(owner) ?? epoch;
  }

  private async load(owner: string): Promise<number> {
    const row = await this.db
      .selectFrom('owners')
      .select('session_epoch')
      .where('id', '=', owner)
      .executeTakeFirst();
    this.raise(owner, row?.session_epoch ?? 0);
    return this.cache.get(owner) as number;
  }

  private raise(owner: string, epoch: number): void {
    this.cache.set(owner, Math.max(this.cache.get(owner) ?? 0, epoch));
  }
}
