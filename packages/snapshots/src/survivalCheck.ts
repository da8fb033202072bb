import type { ContentStore } from './contentStore.js';
import { manifestObjects, readManifest } from './snapshotManifest.js';

/**
 * After a crash, whether each snapshot's content survived: every object a manifest names is
 * read back and hashed (each once, however many snapshots share it; a file holding a damaged
 * one is set aside by `ContentStore.checkObjects`). Ask `objectsOf` for every snapshot first,
 * sync the store, and only then `problemOf`: an object in a file set aside for another
 * snapshot's damage is gone too.
 */
export class SurvivalCheck {
  private readonly checked = new Set<string>();
  private readonly problems = new Map<string, string>();

  constructor(private readonly content: ContentStore) {}

  /** Every object of the snapshot with this manifest, checked; or why it has none. */
  async objectsOf(manifest: string | null): Promise<string[] | string> {
    if (manifest === null) return 'it has no manifest';
    await this.check([manifest]);
    const broken = this.problems.get(manifest);
    if (broken !== undefined) return broken;
    let files: string[];
    try {
      files = manifestObjects(await readManifest(this.content, manifest));
    } catch (err) {
      return `its manifest cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
    await this.check(files);
    return [manifest, ...files];
  }

  /** What `objectsOf` returned → undefined when all of it is still in the store, else why not. */
  problemOf(objects: string[] | string): string | undefined {
    if (typeof objects === 'string') return objects;
    for (const sha of objects) {
      const problem = this.problems.get(sha);
      if (problem !== undefined) return problem;
    }
    const gone = objects.find((sha) => !this.content.has(sha));
    return gone === undefined ? undefined : `object ${gone} was in a file set aside`;
  }

  private async check(shas: string[]): Promise<void> {
    const fresh = shas.filter((sha) => !this.checked.has(sha));
    for (const sha of fresh) this.checked.add(sha);
    for (const [sha, problem] of await this.content.checkObjects(fresh)) {
      this.problems.set(sha, problem);
    }
  }
}
