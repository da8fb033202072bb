import type { AgentClient } from '@paddock/guest-agent';
import { PaddockError } from '@paddock/shared';

/** What detection may read of one file: manifests and lockfiles, never a whole tree. */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;

/** Reads a project in a running sandbox for detection, through its guest agent. */
export interface ProjectReader {
  readText(path: string): Promise<string | null>;
  list(dir: string): Promise<string[]>;
}

export function sandboxProjectReader(client: AgentClient): ProjectReader {
  return {
    async readText(file) {
      let read;
      try {
        read = await client.readFile(file);
      } catch (err) {
        if (isAbsent(err)) return null;
        throw err;
      }
      if (read.size > MAX_TEXT_BYTES) {
        read.stream.destroy();
        return null;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of read.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async list(dir) {
      try {
        const listing = await client.listFiles(dir === '' ? '.' : dir, 1);
        return listing.entries.map((e) => e.name);
      } catch (err) {
        if (isAbsent(err) || (err instanceof PaddockError && err.code === 'not_a_directory')) {
          return [];
        }
        throw err;
      }
    },
  };
}

function isAbsent(err: unknown): boolean {
  return (
    err instanceof PaddockError && (err.code === 'file_not_found' || err.code === 'is_a_directory')
  );
}
