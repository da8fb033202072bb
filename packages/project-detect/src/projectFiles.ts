import type { ProjectReader } from './types.js';

/** At most this many entries of one directory are looked at: detection needs names, not trees. */
const MAX_LISTED = 2000;

/**
 * The project as detection sees it: a file is read only when its directory lists it, so a
 * missing candidate costs one listing (cached) rather than a read, and nothing is read twice.
 */
export class ProjectFiles {
  private readonly listings = new Map<string, Promise<Set<string>>>();
  private readonly texts = new Map<string, Promise<string | null>>();

  constructor(private readonly reader: ProjectReader) {}

  /** Entry names of a directory ('' is the root). */
  entries(dir: string): Promise<Set<string>> {
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = this.reader.list(dir).then((names) => new Set(names.slice(0, MAX_LISTED)));
      this.listings.set(dir, listing);
    }
    return listing;
  }

  async has(path: string): Promise<boolean> {
    const { dir, name } = split(path);
    return (await this.entries(dir)).has(name);
  }

  /** A file's text, or null when it is absent or not a regular file. */
  async text(path: string): Promise<string | null> {
    if (!(await this.has(path))) return null;
    let text = this.texts.get(path);
    if (!text) {
      text = this.reader.readText(path);
      this.texts.set(path, text);
    }
    return text;
  }

  /** The first of these paths that exists, in order. */
  async first(paths: readonly string[]): Promise<string | null> {
    for (const path of paths) if (await this.has(path)) return path;
    return null;
  }
}

function split(path: string): { dir: string; name: string } {
  const at = path.lastIndexOf('/');
  return at < 0 ? { dir: '', name: path } : { dir: path.slice(0, at), name: path.slice(at + 1) };
}
