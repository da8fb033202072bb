import type { ProjectReader } from '../src/index.js';

/** A project held in memory: paths → text. Directories are implied by the paths. */
export function memoryProject(files: Record<string, string>): ProjectReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readText(path) {
      reads.push(path);
      return Promise.resolve(Object.hasOwn(files, path) ? files[path]! : null);
    },
    list(dir) {
      const prefix = dir === '' ? '' : `${dir}/`;
      const names = new Set<string>();
      for (const path of Object.keys(files)) {
        if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0]!);
      }
      return Promise.resolve([...names]);
    },
  };
}
