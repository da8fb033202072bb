import path from 'node:path';
import { listTemplateFiles, type PresetDefinition } from './catalog.js';

/** The workspace a template is written into: the guest agent's file calls (its AgentClient). */
export interface SeedTarget {
  listFiles(path: string, depth: number): Promise<{ entries: { name: string }[] }>;
  mkdir(req: { path: string; parents: boolean }): Promise<unknown>;
  stat(path: string): Promise<unknown>;
  writeFile(path: string, body: Buffer, options: { mode: number }): Promise<unknown>;
}

/** Entries an empty workspace may still have: ext4's own and the dependency mount point. */
const IGNORED = new Set(['lost+found', 'node_modules']);

/**
 * Writes a preset's template into an empty workspace. A workspace that holds anything is left
 * alone (never overwritten, never mixed with a template), and each file is written only if it
 * is absent, so a race with the user's own writes cannot clobber theirs either.
 */
export async function seedWorkspace(
  client: SeedTarget,
  preset: PresetDefinition,
): Promise<{ seeded: boolean; files: number }> {
  const listing = await client.listFiles('.', 1);
  if (listing.entries.some((e) => !IGNORED.has(e.name))) return { seeded: false, files: 0 };
  const files = await listTemplateFiles(preset);
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.path)))].filter((d) => d !== '.');
  for (const dir of dirs) await client.mkdir({ path: dir, parents: true });
  // Writes in parallel: seeding is on the path to the first preview.
  const written = await Promise.all(
    files.map(async (file) => {
      const exists = await client.stat(file.path).then(
        () => true,
        () => false,
      );
      if (exists) return 0;
      await client.writeFile(file.path, file.content, { mode: file.mode & 0o777 });
      return 1;
    }),
  );
  return { seeded: true, files: written.reduce((n: number, w) => n + w, 0) };
}
