import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentClient } from '@paddock/guest-agent';
import type { PresetDefinition } from '@paddock/presets';
import { PaddockError, type ExecResult } from '@paddock/shared';

/**
 * An app's own dependencies, brought back after a boot (ADR 0016). Snapshots and checkpoints
 * leave `node_modules/` and `.venv/` out, so a fork, a restore or an import boots without what
 * the app added to its preset. The app's lockfile (`package-lock.json`) or `requirements.txt` is
 * untrusted: the install always runs inside the sandbox, as its user, through its egress proxy,
 * never on the host. An app that added nothing installs nothing: its lockfile is the preset's,
 * and the shared cache under its layer already holds exactly that.
 */
export interface DependencyPlan {
  kind: 'npm' | 'pnpm' | 'yarn' | 'python';
  /** Why an install is needed, for the event. */
  reason: string;
  /** Only local work (making a virtualenv, ~0.1 s), nothing fetched: done before the boot answers. */
  quick: boolean;
  /** Done on the host before the command (e.g. the package manager put in the shared cache). */
  prepare?: () => Promise<void>;
  request: { command: string; stdin?: string };
}

/**
 * What the tree was last synced to: `<sha256 of package-lock.json>:<sha256 of npm's hidden
 * lockfile>`, written inside the sandbox after an install (or at the first boot of a fresh layer).
 */
export const NPM_MARKER = 'node_modules/.paddock-lockfile';
export const HIDDEN_LOCKFILE = 'node_modules/.package-lock.json';
/** The sha256 of the requirements.txt the venv was last synced to. */
export const PYTHON_MARKER = '.venv/.paddock-requirements';
/** The lines the app adds to the preset's requirements, as the last sync installed them. */
const ADDED_FILE = '.venv/paddock-added-requirements.txt';

/** Installs from a lockfile can fetch a lot; a boot's install gives up after this long. */
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;
const MAX_LOCKFILE_BYTES = 32 * 1024 * 1024;

/** The app's virtualenv: Debian's system packages visible, pip from Debian's python3-pip. */
export const VENV_SCRIPT = [
  'set -e',
  '[ -x .venv/bin/python ] || python3 -m venv --system-site-packages --without-pip .venv',
  // --without-pip keeps creation at ~0.1 s; Debian's pip runs inside the venv through its python.
  `[ -e .venv/bin/pip ] || { printf '#!/bin/sh\\nexec "$(dirname "$0")/python" -m pip "$@"\\n' > .venv/bin/pip; chmod 755 .venv/bin/pip; }`,
].join('\n');

/** What this boot must install, or null when the app's dependencies are already in place. */
export async function dependencyPlan(
  client: AgentClient,
  preset: PresetDefinition,
): Promise<DependencyPlan | null> {
  if (preset.dependencies === 'npm') return npmPlan(client, preset);
  if (fs.existsSync(path.join(preset.templateDir, 'requirements.txt'))) {
    return pythonPlan(client, preset);
  }
  return null;
}

/** Run a plan in the sandbox. */
export async function installDependencies(
  client: AgentClient,
  plan: DependencyPlan,
): Promise<ExecResult> {
  await plan.prepare?.();
  return client.exec({ ...plan.request, timeout_ms: INSTALL_TIMEOUT_MS });
}

async function npmPlan(
  client: AgentClient,
  preset: PresetDefinition,
): Promise<DependencyPlan | null> {
  const lock = await readText(client, 'package-lock.json');
  if (lock === null) return null;
  // npm rewrites its hidden lockfile whenever it changes node_modules, so the pair says whether
  // the tree is still the one the last sync (or the preset) left, whoever changed it since.
  const state = `${sha256(lock)}:${sha256((await readText(client, HIDDEN_LOCKFILE)) ?? '')}`;
  const marker = (await readText(client, NPM_MARKER))?.trim() ?? null;
  if (marker === state) return null;
  if (marker === null && sha256(lock) === presetDigest(preset, 'package-lock.json')) {
    // No marker: a fresh layer, which is the shared cache as it is, and the lockfile is the
    // preset's. Nothing to install; the marker lets later boots see changes to the tree.
    await client.writeFile(NPM_MARKER, Buffer.from(state));
    return null;
  }
  return {
    kind: 'npm',
    reason: marker === null ? 'lockfile differs from the preset' : 'lockfile or tree changed',
    quick: false,
    // `npm install`, not `npm ci`: ci would empty node_modules and fetch the whole tree again,
    // where install fetches only what the shared cache below does not already hold.
    request: {
      command: [
        'npm install --no-audit --no-fund --no-save',
        `lock=$(sha256sum < package-lock.json | cut -c1-64)`,
        `tree=$(cat ${HIDDEN_LOCKFILE} 2>/dev/null | sha256sum | cut -c1-64)`,
        `printf %s:%s "$lock" "$tree" > ${NPM_MARKER}`,
      ].join(' && '),
    },
  };
}

async function pythonPlan(
  client: AgentClient,
  preset: PresetDefinition,
): Promise<DependencyPlan | null> {
  const hasVenv = await client.stat('.venv/bin/python').then(
    () => true,
    () => false,
  );
  const requirements = (await readText(client, 'requirements.txt')) ?? '';
  const digest = sha256(requirements);
  const marker = hasVenv ? await readText(client, PYTHON_MARKER) : null;
  if (marker?.trim() === digest) return null;
  // Only what the app added to the preset's list: the preset's own requirements are Debian's
  // system packages, which pip could not reinstall without an index.
  const presetLines = new Set(requirementLines(presetText(preset, 'requirements.txt')));
  const added = requirementLines(requirements).filter((l) => !presetLines.has(l));
  if (hasVenv && marker === null && added.length === 0) return null;
  const install =
    added.length === 0
      ? ''
      : // Through a file: the agent's stdin is a socket, which /dev/stdin cannot open.
        `\ncat > ${ADDED_FILE}\n.venv/bin/python -m pip install --no-input --disable-pip-version-check -r ${ADDED_FILE}`;
  return {
    kind: 'python',
    reason: hasVenv ? 'requirements changed' : 'no virtualenv',
    quick: added.length === 0,
    request: {
      command: `${VENV_SCRIPT}${install}\nprintf %s ${digest} > ${PYTHON_MARKER}`,
      ...(added.length === 0 ? {} : { stdin: `${added.join('\n')}\n` }),
    },
  };
}

/** Requirement lines without comments and blanks, trimmed. */
function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l !== '');
}

function presetText(preset: PresetDefinition, file: string): string {
  try {
    return fs.readFileSync(path.join(preset.templateDir, file), 'utf8');
  } catch {
    return '';
  }
}

function presetDigest(preset: PresetDefinition, file: string): string {
  return sha256(presetText(preset, file));
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** A workspace file as text, or null when it is absent (or not a regular file). */
export async function readText(client: AgentClient, file: string): Promise<string | null> {
  let read;
  try {
    read = await client.readFile(file);
  } catch (err) {
    if (err instanceof PaddockError && ['file_not_found', 'is_a_directory'].includes(err.code)) {
      return null;
    }
    throw err;
  }
  if (read.size > MAX_LOCKFILE_BYTES) {
    read.stream.destroy();
    throw new PaddockError(
      'dependency_install_failed',
      `${file} is larger than ${MAX_LOCKFILE_BYTES} bytes`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of read.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
