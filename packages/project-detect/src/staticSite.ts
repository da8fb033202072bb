import type { ProjectFiles } from './projectFiles.js';
import type { RunPlan } from './types.js';

/** Where a site's index.html is looked for, in order: the root, then the usual output folders. */
const SITE_ROOTS = ['', 'public', 'dist', 'site'];
const STATIC_PORT = 8080;

/** A static site: an index.html served as files by Python's http.server on loopback. */
export async function detectStaticSite(files: ProjectFiles): Promise<RunPlan | null> {
  for (const dir of SITE_ROOTS) {
    const index = dir === '' ? 'index.html' : `${dir}/index.html`;
    if (!(await files.has(index))) continue;
    return {
      kind: 'static',
      web: {
        command: `python3 -m http.server ${STATIC_PORT} --bind 127.0.0.1 --directory ${dir === '' ? '.' : dir}`,
        port: STATIC_PORT,
        health_path: '/',
        // Files are read on every request: nothing to restart.
        restart_after_task: false,
      },
      workers: [],
      notes: [`${index}: a static site, served as files`],
    };
  }
  return null;
}
