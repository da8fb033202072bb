import { entryPort } from './entryPort.js';
import {
  NODE_FRAMEWORKS,
  NODE_SERVER_LIBRARIES,
  VITE_PREVIEW_HOSTS,
  VITE_UI_LIBRARIES,
  type NodeFramework,
} from './nodeFrameworks.js';
import { resolveNodeEntry } from './nodeEntry.js';
import type { PackageJson } from './packageJson.js';
import { runScript, type NodePackageManager } from './packageManager.js';
import type { ProjectFiles } from './projectFiles.js';
import type { Candidate, RunPlan } from './types.js';

/** A build script's time: bundlers and type-checkers on a small sandbox. */
const BUILD_TIMEOUT_SECONDS = 600;

/**
 * How a Node project runs, from its package.json: a framework's dev server on its usual port,
 * else Express, Fastify or plain Node through the project's own start command with PORT set.
 * Null when package.json shows neither.
 */
export async function detectNodeProject(
  files: ProjectFiles,
  pkg: PackageJson,
  manager: NodePackageManager,
): Promise<Candidate | null> {
  const build = pkg.scripts.has('build')
    ? { command: runScript(manager, 'build'), timeout_seconds: BUILD_TIMEOUT_SECONDS }
    : undefined;
  const buildNote = build ? [`package.json has a build script: ${build.command}`] : [];

  const framework = NODE_FRAMEWORKS.find(
    (f) => f.packages.some((name) => pkg.dependencies.has(name)) && (f.when?.(pkg) ?? true),
  );
  if (framework) {
    const plan: RunPlan = {
      kind: framework.kind,
      web: {
        command: framework.vite
          ? `${VITE_PREVIEW_HOSTS} ${framework.command(pkg)}`
          : framework.command(pkg),
        port: framework.port,
        health_path: '/',
        // Dev servers reload changed files themselves.
        restart_after_task: false,
      },
      ...(build ? { build } : {}),
      workers: [],
      notes: [...frameworkNotes(framework, pkg), ...buildNote],
    };
    return { strength: 'framework', ecosystem: 'node', plan };
  }

  const library = NODE_SERVER_LIBRARIES.find((l) =>
    l.packages.some((name) => pkg.dependencies.has(name)),
  );
  const entry = await resolveNodeEntry(files, pkg, manager);
  const notes = library ? [`package.json depends on ${library.packages.join(', ')}`] : [];
  if (!entry) {
    if (!library) return null;
    notes.push('no dev or start script, main or server.js to start it from');
    return {
      strength: 'framework',
      ecosystem: 'node',
      plan: { kind: library.kind, ...(build ? { build } : {}), workers: [], notes },
    };
  }
  const port = await entryPort(files, entry.file);
  const plan: RunPlan = {
    kind: library?.kind ?? 'node',
    web: {
      command: entry.command,
      port: port.port,
      health_path: '/',
      // Without a watcher a task's edits reach the server only through a restart.
      restart_after_task: !entry.watches,
    },
    ...(build ? { build } : {}),
    workers: [],
    notes: [...notes, entry.note, port.note, ...buildNote],
  };
  return { strength: library ? 'framework' : 'generic', ecosystem: 'node', plan };
}

function frameworkNotes(framework: NodeFramework, pkg: PackageJson): string[] {
  const seen = framework.packages.find((name) => pkg.dependencies.has(name))!;
  const ui =
    framework.kind === 'vite'
      ? VITE_UI_LIBRARIES.filter(([name]) => pkg.dependencies.has(name)).map(([, label]) => label)
      : [];
  const notes = [
    `package.json depends on ${seen}${ui.length > 0 ? ` (${ui.join(', ')} on Vite)` : ''}`,
  ];
  if (framework.vite) notes.push("Vite is told to accept the preview's host names");
  if (framework.note) notes.push(framework.note);
  return notes;
}
