import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What a staged directory's names look like: `.<name>-<tag>`, and `…-old` for the one aside. */
const STAGED = /^\.(.+)-[0-9a-f]{12}(-old)?$/;

/**
 * A directory made beside the one it replaces (so on the same file system), then swapped in
 * with two renames: `dest` is the old one or the whole new one, never half of either. Until
 * `swapIn`, `dest` is untouched; `undo` puts the old one back; `finish` removes what is left
 * (the copy not swapped in, or the old one). A crash leaves names starting with `.`, which
 * `settleStaged` clears at the next start.
 */
export class StagedDir {
  /** Where to fill the new directory. */
  readonly dir: string;
  private readonly aside: string;
  private swapped = false;

  /** Starts as a copy of `from` when given and there, else empty. */
  constructor(
    private readonly dest: string,
    from?: string,
  ) {
    this.dir = path.join(
      path.dirname(dest),
      `.${path.basename(dest)}-${randomBytes(6).toString('hex')}`,
    );
    this.aside = `${this.dir}-old`;
    fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
    if (from !== undefined && fs.existsSync(from)) {
      fs.cpSync(from, this.dir, { recursive: true, preserveTimestamps: true });
    } else {
      fs.mkdirSync(this.dir, { mode: 0o700 });
    }
  }

  swapIn(): void {
    const had = fs.existsSync(this.dest);
    if (had) fs.renameSync(this.dest, this.aside);
    try {
      fs.renameSync(this.dir, this.dest);
    } catch (err) {
      if (had) fs.renameSync(this.aside, this.dest);
      throw err;
    }
    this.swapped = true;
  }

  /** After `swapIn`: the old directory back in its place (the new one removed). */
  undo(): void {
    if (!this.swapped) return;
    fs.rmSync(this.dest, { recursive: true, force: true });
    if (fs.existsSync(this.aside)) fs.renameSync(this.aside, this.dest);
    this.swapped = false;
  }

  finish(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.rmSync(this.aside, { recursive: true, force: true });
  }
}

/**
 * After a crash, in `parent`: staged directories go, except an old one whose place is empty
 * (the crash came between the two renames), which goes back. The paths it changed.
 */
export function settleStaged(parent: string): string[] {
  if (!fs.existsSync(parent)) return [];
  const settled: string[] = [];
  for (const name of fs.readdirSync(parent)) {
    const m = STAGED.exec(name);
    if (!m) continue;
    const place = path.join(parent, m[1]!);
    if (m[2] && !fs.existsSync(place)) fs.renameSync(path.join(parent, name), place);
    else fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    settled.push(path.join(parent, name));
  }
  return settled;
}
