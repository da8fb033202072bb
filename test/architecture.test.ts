// The house's shape, checked: imports point one way between packages and inside each package
// (no cycle between files or between folders), each package declares the packages it imports,
// and no source file outgrows one job. Read from the source text, as a newcomer reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const PACKAGES = path.join(ROOT, 'packages');
/** A file over this many lines is doing more than one job (issue 14: "~500"). */
const MAX_SOURCE_LINES = 520;

interface SourceFile {
  pkg: string;
  /** Relative to the package's src/. */
  rel: string;
  abs: string;
  text: string;
}

function sourceFiles(): SourceFile[] {
  const out: SourceFile[] = [];
  for (const pkg of fs.readdirSync(PACKAGES)) {
    const src = path.join(PACKAGES, pkg, 'src');
    if (!fs.existsSync(src)) continue;
    for (const rel of fs.readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (!/\.tsx?$/.test(rel) || rel.endsWith('.d.ts')) continue;
      const abs = path.join(src, rel);
      out.push({ pkg, rel, abs, text: fs.readFileSync(abs, 'utf8') });
    }
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\('([^']+)'\)/g;

function specifiers(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
}

/** The file a relative import names, as a path relative to the same src/. */
function resolveRelative(file: SourceFile, spec: string): string {
  const target = path.join(path.dirname(file.rel), spec);
  return target.replace(/\.js$/, '.ts');
}

/** One cycle in a directed graph, or null: depth-first with the path on a stack. */
function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}

function addEdge(graph: Map<string, Set<string>>, from: string, to: string): void {
  if (from === to) return;
  let set = graph.get(from);
  if (!set) graph.set(from, (set = new Set()));
  set.add(to);
}

const files = sourceFiles();

test('no import cycle between the files of any package', () => {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    for (const spec of specifiers(file.text)) {
      if (!spec.startsWith('.')) continue;
      addEdge(graph, `${file.pkg}:${file.rel}`, `${file.pkg}:${resolveRelative(file, spec)}`);
    }
  }
  assert.equal(findCycle(graph)?.join(' → ') ?? null, null);
});

test('no import cycle between the folders of any package', () => {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    for (const spec of specifiers(file.text)) {
      if (!spec.startsWith('.')) continue;
      const from = path.dirname(file.rel);
      const to = path.dirname(resolveRelative(file, spec));
      // A folder may use its own subfolders; only arrows between siblings or back up count.
      if (to.startsWith(`${from}/`) || from === '.') continue;
      addEdge(graph, `${file.pkg}:${from}`, `${file.pkg}:${to}`);
    }
  }
  assert.equal(findCycle(graph)?.join(' → ') ?? null, null);
});

test('packages import each other one way, and only what they declare', () => {
  const graph = new Map<string, Set<string>>();
  const undeclared: string[] = [];
  for (const pkg of fs.readdirSync(PACKAGES)) {
    const manifest = path.join(PACKAGES, pkg, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(json.dependencies ?? {}),
      ...Object.keys(json.devDependencies ?? {}),
    ]);
    for (const file of files.filter((f) => f.pkg === pkg)) {
      for (const spec of specifiers(file.text)) {
        const m = /^@paddock\/([^/]+)/.exec(spec);
        if (!m) continue;
        addEdge(graph, pkg, m[1]!);
        if (!declared.has(`@paddock/${m[1]}`)) undeclared.push(`${pkg}/src/${file.rel} → ${spec}`);
      }
    }
  }
  assert.equal(findCycle(graph)?.join(' → ') ?? null, null);
  assert.deepEqual(undeclared, []);
});

test('no source file outgrows one job', () => {
  const long = files
    .map((f) => ({ file: `${f.pkg}/src/${f.rel}`, lines: f.text.split('\n').length }))
    .filter((f) => f.lines > MAX_SOURCE_LINES);
  assert.deepEqual(long, []);
});
