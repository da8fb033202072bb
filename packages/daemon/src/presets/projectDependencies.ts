import type { AgentClient } from '@paddock/guest-agent';
import type { PackageManagerTool } from '@paddock/presets';
import { GUEST_TOOLS_BIN, GUEST_WORKSPACE, PaddockError } from '@paddock/shared';
import {
  HIDDEN_LOCKFILE,
  NPM_MARKER,
  PYTHON_MARKER,
  VENV_SCRIPT,
  readText,
  sha256,
  type DependencyPlan,
} from './appDependencies.js';

/** Installs pnpm or yarn into the shared cache if missing (its command is then on the PATH). */
export type PackageManagers = (tool: PackageManagerTool) => Promise<unknown>;

/**
 * A project without a preset (an import, issue 24) brings all its dependencies itself, with the
 * package manager its lockfile names (ADR 0029). As for preset apps (ADR 0016) the install runs
 * inside the sandbox, as its user, through its egress proxy; a marker in `node_modules`
 * (`<sha256 of the lockfile>:<sha256 of the manager's record of the tree>`) makes a boot install
 * only when the lockfile or the tree changed. A Node project wins over a Python one in the same
 * workspace; a Yarn Berry lockfile is not installed (only Yarn classic is in the cache): its
 * boots report a failed install.
 */
export async function projectDependencyPlan(
  client: AgentClient,
  packageManagers: PackageManagers,
): Promise<DependencyPlan | null> {
  for (const node of NODE_PLANS) {
    const lock = await readText(client, node.lockfile);
    if (lock === null) continue;
    if (node.kind === 'yarn' && /^__metadata:/m.test(lock)) return YARN_BERRY;
    return nodePlan(client, node, lock, packageManagers);
  }
  if ((await readText(client, 'package.json')) !== null) {
    return nodePlan(client, NPM_WITHOUT_LOCKFILE, '', packageManagers);
  }
  const requirements = await readText(client, 'requirements.txt');
  return requirements === null ? null : pythonPlan(client, requirements);
}

interface NodePlan {
  kind: 'npm' | 'pnpm' | 'yarn';
  lockfile: string;
  /** The file the manager rewrites whenever it changes node_modules. */
  tree: string;
  install: string;
}

const PNPM = `${GUEST_TOOLS_BIN}/pnpm`;
const YARN = `${GUEST_TOOLS_BIN}/yarn`;

/** In the order a workspace's lockfiles are looked for. */
const NODE_PLANS: NodePlan[] = [
  {
    kind: 'pnpm',
    lockfile: 'pnpm-lock.yaml',
    tree: 'node_modules/.pnpm/lock.yaml',
    install: [
      // The store under .cache/, which snapshots and checkpoints leave out, on the workspace's
      // file system (pnpm links from it). The pinned pnpm, not the one package.json may name,
      // and no prompt to empty a node_modules another manager made.
      'npm_config_manage_package_manager_versions=false npm_config_confirm_modules_purge=false',
      `${PNPM} install --frozen-lockfile --reporter=append-only`,
      `--store-dir ${GUEST_WORKSPACE}/.cache/pnpm/store`,
    ].join(' '),
  },
  {
    kind: 'yarn',
    lockfile: 'yarn.lock',
    tree: 'node_modules/.yarn-integrity',
    // Its cache is ~/.cache/yarn, in the workspace's .cache/.
    install: `${YARN} install --frozen-lockfile --non-interactive --no-progress`,
  },
  {
    kind: 'npm',
    lockfile: 'package-lock.json',
    tree: HIDDEN_LOCKFILE,
    // `install`, not `ci`: a later boot keeps what is already in node_modules, and a lockfile a
    // little behind package.json still installs; --no-save leaves both files as they are.
    install: 'npm install --no-audit --no-fund --no-save',
  },
];

/**
 * A Yarn Berry lockfile: only Yarn classic is in the cache, so the boot says, through the usual
 * events, that nothing was installed, and the processes start as they are.
 */
const YARN_BERRY: DependencyPlan = {
  kind: 'yarn',
  reason: 'a Yarn Berry lockfile, which Paddock does not install',
  quick: false,
  prepare: () => {
    throw new PaddockError(
      'dependency_install_failed',
      'Yarn Berry (2+) lockfiles are not supported: only Yarn classic is installed',
    );
  },
  request: { command: 'false' },
};

/** package.json alone: npm resolves it and writes the lockfile later boots compare with. */
const NPM_WITHOUT_LOCKFILE: NodePlan = {
  kind: 'npm',
  lockfile: 'package-lock.json',
  tree: HIDDEN_LOCKFILE,
  install: 'npm install --no-audit --no-fund',
};

async function nodePlan(
  client: AgentClient,
  node: NodePlan,
  lock: string,
  packageManagers: PackageManagers,
): Promise<DependencyPlan | null> {
  const state = `${sha256(lock)}:${sha256((await readText(client, node.tree)) ?? '')}`;
  const marker = (await readText(client, NPM_MARKER))?.trim() ?? null;
  if (marker === state) return null;
  const tool = node.kind === 'npm' ? null : node.kind;
  return {
    kind: node.kind,
    reason: marker === null ? 'no dependencies installed yet' : 'lockfile or tree changed',
    quick: false,
    ...(tool === null ? {} : { prepare: async () => void (await packageManagers(tool)) }),
    request: {
      command: [
        node.install,
        `lock=$(cat ${node.lockfile} 2>/dev/null | sha256sum | cut -c1-64)`,
        `tree=$(cat ${node.tree} 2>/dev/null | sha256sum | cut -c1-64)`,
        `printf %s:%s "$lock" "$tree" > ${NPM_MARKER}`,
      ].join(' && '),
    },
  };
}

/** Every line of requirements.txt, into the app's .venv: there is no preset baseline to skip. */
async function pythonPlan(
  client: AgentClient,
  requirements: string,
): Promise<DependencyPlan | null> {
  const hasVenv = await client.stat('.venv/bin/python').then(
    () => true,
    () => false,
  );
  const digest = sha256(requirements);
  const marker = hasVenv ? await readText(client, PYTHON_MARKER) : null;
  if (marker?.trim() === digest) return null;
  return {
    kind: 'python',
    reason: hasVenv ? 'requirements changed' : 'no virtualenv',
    quick: false,
    request: {
      command: [
        VENV_SCRIPT,
        '.venv/bin/python -m pip install --no-input --disable-pip-version-check -r requirements.txt',
        `printf %s ${digest} > ${PYTHON_MARKER}`,
      ].join('\n'),
    },
  };
}
