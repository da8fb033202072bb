import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE, parseManifest, type RuntimeManifest } from '@paddock/manifest';

export const PRESET_NAMES = [
  'react-vite',
  'nextjs',
  'node-express',
  'fastapi',
  'worker',
  'static',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetDefinition {
  readonly name: PresetName;
  readonly title: string;
  readonly description: string;
  /** `npm`: the template has a package-lock.json; its node_modules come from the shared cache. */
  readonly dependencies: 'npm' | 'none';
  /** Absolute path of the template: the files a new workspace starts with. */
  readonly templateDir: string;
  /** The template's sandbox.yaml, parsed: what a new workspace runs, and its default build. */
  readonly manifest: RuntimeManifest;
  /**
   * Memory an app of this preset starts with, when the default is too little: Next.js's dev
   * server and a production build (a task's build check) together peak near 1 GiB.
   */
  readonly memoryMb?: number;
  /** Regenerable directories of this preset that snapshots leave out, beside the defaults. */
  readonly snapshotExclude?: readonly string[];
}

export interface TemplateFile {
  /** Relative to the template, with `/` separators. */
  path: string;
  content: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

// One level above both src/ and dist/, so this resolves the same from either.
const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

const DEFINITIONS: Omit<PresetDefinition, 'templateDir' | 'manifest'>[] = [
  {
    name: 'react-vite',
    title: 'React + Vite',
    description:
      "A React single-page app in TypeScript, served by Vite's dev server with hot module replacement.",
    dependencies: 'npm',
    // Vite's dependency cache (cacheDir in the template's vite.config.ts).
    snapshotExclude: ['.vite'],
  },
  {
    name: 'nextjs',
    title: 'Next.js',
    description: 'A Next.js app (App Router, TypeScript) with server rendering and fast refresh.',
    dependencies: 'npm',
    memoryMb: 2048,
    // The build check's output (see the template's next.config): rebuilt by every task.
    snapshotExclude: ['.next-build'],
  },
  {
    name: 'node-express',
    title: 'Node.js + Express',
    description: 'An Express web server and JSON API that restarts on every change (node --watch).',
    dependencies: 'npm',
  },
  {
    name: 'fastapi',
    title: 'Python + FastAPI',
    description:
      "A FastAPI app served by uvicorn on the system's Python, restarted after each task.",
    dependencies: 'none',
  },
  {
    name: 'worker',
    title: 'Background worker',
    description: 'A Node.js process with no web server, for queues, schedulers and bots.',
    dependencies: 'none',
  },
  {
    name: 'static',
    title: 'Static site',
    description:
      'Plain HTML, CSS and JavaScript in public/, served by a dependency-free Node.js file server.',
    dependencies: 'none',
  },
];

/** Reads and validates a template's sandbox.yaml: the file is the one source of truth. */
function loadManifest(name: string, templateDir: string): RuntimeManifest {
  const file = path.join(templateDir, MANIFEST_FILE);
  const result = parseManifest(readFileSync(file, 'utf8'));
  if (!result.valid) {
    const issues = result.errors.map((e) => `${e.line}:${e.column} ${e.path} ${e.message}`);
    throw new Error(`preset ${name}: ${file} is invalid: ${issues.join('; ')}`);
  }
  return result.manifest;
}

export const PRESETS: readonly PresetDefinition[] = DEFINITIONS.map((d) => {
  const templateDir = path.join(TEMPLATES_DIR, d.name);
  return Object.freeze({ ...d, templateDir, manifest: loadManifest(d.name, templateDir) });
});

export function getPreset(name: string): PresetDefinition | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** Directories never copied from a template (a template tried out in place grows one). */
const SKIPPED_DIRS = new Set(['node_modules']);

/** Every file of a preset's template, sorted by path, ready to write into a new workspace. */
export async function listTemplateFiles(preset: PresetDefinition): Promise<TemplateFile[]> {
  const files: TemplateFile[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(abs, relPath);
      } else if (entry.isFile()) {
        const [content, info] = await Promise.all([readFile(abs), stat(abs)]);
        files.push({ path: relPath, content, mode: info.mode & 0o777 });
      }
    }
  }
  await walk(preset.templateDir, '');
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
