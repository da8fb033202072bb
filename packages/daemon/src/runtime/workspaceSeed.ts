import type { AgentClient } from '@paddock/guest-agent';
import { listTemplateFiles, type PresetDefinition } from '@paddock/presets';

/** Entries an empty workspace may still have: ext4's own and the dependency mount point. */
const IGNORED = new Set(['lost+found', 'node_modules']);

/**
 * Writes a preset's template into an empty workspace. A workspace that holds anything is left
 * alone (never overwritten, never mixed with a template), and each file is written only if it
 * is absent, so a race with the user's own writes cannot clobber theirs either.
 */
export async function seedWorkspace(
  client: AgentClient,
  preset: PresetDefinition,
): Promise<{ seeded: boolean; files: number }> {
  const listing = await client.listFiles('.', 1);
  if (listing.entries.some((e) => !IGNORED.has(e.name))) return { seeded: false, files: 0 };
  const files = await listTemplateFiles(preset);
  const dirs = new Set<string>();
  let written = 0;
  for (const file of files) {
    const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '';
    if (dir !== '' && !dirs.has(dir)) {
      await client.mkdir({ path: dir, parents: true });
      dirs.add(dir);
    }
    const exists = await client.stat(file.path).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    await client.writeFile(file.path, file.content, { mode: file.mode & 0o777 });
    written++;
  }
  return { seeded: true, files: written };
}
