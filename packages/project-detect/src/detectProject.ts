import { MANIFEST_FILE, parseManifest } from '@paddock/manifest';
import type { ProjectDetection } from '@paddock/shared';
import { detectNodeProject } from './nodeProject.js';
import { readPackageJson } from './packageJson.js';
import { nodePackageManager } from './packageManager.js';
import { matchPreset } from './presetMatch.js';
import { ProjectFiles } from './projectFiles.js';
import { proposedManifest } from './proposedManifest.js';
import { detectPythonProject } from './pythonProject.js';
import { detectStaticSite } from './staticSite.js';
import type { Candidate, DetectOptions, PackageManager, ProjectReader, RunPlan } from './types.js';
import { userText } from './userText.js';

/** A note's length at most: a note quotes the project only in part. */
const MAX_NOTE = 300;

/**
 * What an imported project is and how it runs. The order of trust: a recognised framework (Node
 * first, then Python), then a Node or Python program with an entry point, then a static
 * index.html, then nothing. A project's own sandbox.yaml is returned unchanged; the rest of the
 * detection still names its kind and package manager.
 */
export async function detectProject(
  reader: ProjectReader,
  options: DetectOptions,
): Promise<ProjectDetection> {
  const files = new ProjectFiles(reader);
  const notes: string[] = [];

  const pkgRead = await readPackageJson(files);
  if (pkgRead.state === 'malformed') notes.push(`${pkgRead.note}: read as if it were empty`);
  const pkg = pkgRead.state === 'read' ? pkgRead.json : null;
  const node = pkgRead.state === 'absent' ? null : await nodePackageManager(files, pkg);
  const candidates = [
    node && pkg ? await detectNodeProject(files, pkg, node.manager) : null,
    await detectPythonProject(files),
  ].filter((c): c is Candidate => c !== null);
  const chosen = candidates.find((c) => c.strength === 'framework') ?? candidates[0];

  let plan: RunPlan;
  let manager: PackageManager | null;
  if (chosen) {
    plan = chosen.plan;
    manager = chosen.ecosystem === 'node' ? node!.manager : 'pip';
    if (chosen.ecosystem === 'node') notes.push(...node!.notes);
    for (const other of candidates.filter((c) => c !== chosen)) {
      notes.push(`also a ${other.ecosystem} project (${other.plan.kind}): not what runs`);
    }
  } else {
    const site = await detectStaticSite(files);
    plan = site ?? unknownPlan(pkgRead.state === 'read');
    manager = site ? null : (node?.manager ?? null);
    if (!site && node) notes.push(...node.notes);
  }
  notes.push(...plan.notes);

  const preset = await matchPreset(files, manager, options);
  notes.push(...preset.notes);

  const workspaceManifest = await files.text(MANIFEST_FILE);
  if (workspaceManifest !== null) {
    notes.unshift(`${MANIFEST_FILE} found: the project's own is used as it is`);
    const parsed = parseManifest(workspaceManifest);
    if (!parsed.valid) {
      const first = parsed.errors[0]!;
      notes.splice(
        1,
        0,
        `${MANIFEST_FILE} is not valid (line ${first.line}: ${first.message}): fix it before the app starts`,
      );
    }
  }
  return {
    kind: plan.kind,
    package_manager: manager,
    preset: preset.preset,
    manifest_source: workspaceManifest === null ? 'proposed' : 'workspace',
    manifest: workspaceManifest ?? proposedManifest(plan, manager),
    notes: notes.map((n) => userText(n, MAX_NOTE)),
  };
}

function unknownPlan(hasPackageJson: boolean): RunPlan {
  return {
    kind: 'unknown',
    workers: [],
    notes: [
      hasPackageJson
        ? 'package.json names no known framework, no dev or start script and no main'
        : 'no package.json, requirements.txt, pyproject.toml or index.html',
      'nothing recognised: write the command that serves the app in sandbox.yaml',
    ],
  };
}
