import type { ProjectFiles } from './projectFiles.js';
import {
  PYTHON_ENTRIES,
  PYTHON_FRAMEWORKS,
  PYTHON_LOCKFILES,
  VENV,
  type ModuleCandidate,
  type PythonFramework,
} from './pythonFrameworks.js';
import { readPythonDependencies } from './pythonDependencies.js';
import type { Candidate, RunPlan } from './types.js';

/** A syntax check of the app module, as the fastapi preset's build. */
const CHECK_TIMEOUT_SECONDS = 60;
/** Directories never searched for manage.py. */
const SKIPPED_DIRS = new Set(['node_modules', '.venv', 'venv', '.git', 'dist', 'build']);
/** Top-level directories looked into for manage.py (a Django project one level down). */
const MAX_DIRS_SEARCHED = 20;

/**
 * How a Python project runs, from requirements.txt / pyproject.toml: Django through manage.py,
 * FastAPI through uvicorn and Flask through `flask run`, each on its usual loopback port in the
 * app's `.venv`; any other Python program as a worker. Null when it is not a Python project.
 */
export async function detectPythonProject(files: ProjectFiles): Promise<Candidate | null> {
  const deps = await readPythonDependencies(files);
  const managePy = await findManagePy(files, deps?.names.has('django') ?? false);
  if (deps === null && managePy === null) return null;
  const notes = deps ? [`${deps.sources.join(' and ')}: pip`, ...deps.notes] : [];
  if (deps && !deps.sources.includes('requirements.txt')) {
    notes.push('no requirements.txt: the dependencies are declared in pyproject.toml only');
  }
  for (const [file, installer] of PYTHON_LOCKFILES) {
    if (await files.has(file)) notes.push(`${file}: ${installer}; pip installs instead`);
  }
  const has = (name: string): boolean => deps?.names.has(name) ?? false;

  if (managePy !== null || has('django')) {
    return { strength: 'framework', ecosystem: 'python', plan: djangoPlan(managePy, has, notes) };
  }
  const framework = PYTHON_FRAMEWORKS.find((f) => has(f.distribution));
  if (framework) {
    notes.push(`${deps!.sources[0]} names ${framework.distribution}`);
    const plan = await frameworkPlan(files, framework, notes);
    return { strength: 'framework', ecosystem: 'python', plan };
  }
  // Requirements that leave the framework out (the system provides it) still show it in code.
  for (const unnamed of PYTHON_FRAMEWORKS) {
    if ((await findAppObject(files, unnamed)) === null) continue;
    notes.push(`the code creates a ${unnamed.distribution} app, though no requirement names it`);
    const plan = await frameworkPlan(files, unnamed, notes);
    return { strength: 'framework', ecosystem: 'python', plan };
  }
  const entry = await files.first(PYTHON_ENTRIES);
  const plan: RunPlan = { kind: 'python', workers: [], notes };
  if (entry !== null) {
    notes.push(`no web framework recognised: ${entry} runs as a worker`);
    plan.workers.push({
      name: 'main',
      command: `${VENV} python3 ${entry}`,
      restart_after_task: true,
    });
  }
  return { strength: 'generic', ecosystem: 'python', plan };
}

function djangoPlan(
  managePy: string | null,
  has: (name: string) => boolean,
  notes: string[],
): RunPlan {
  if (has('django')) notes.push('the dependencies name django');
  if (managePy === null) {
    notes.push('no manage.py found to run Django with');
    return { kind: 'django', workers: [], notes };
  }
  notes.push(`${managePy}: Django`);
  notes.push("Django answers only the hosts in ALLOWED_HOSTS: add the preview's to settings");
  return {
    kind: 'django',
    web: {
      // No autoreloader (it polls): the server restarts after a task instead.
      command: `${VENV} python3 ${managePy} runserver 127.0.0.1:8000 --noreload`,
      port: 8000,
      health_path: '/',
      restart_after_task: true,
    },
    workers: [],
    notes,
  };
}

async function frameworkPlan(
  files: ProjectFiles,
  framework: PythonFramework,
  notes: string[],
): Promise<RunPlan> {
  const found = await findAppObject(files, framework);
  const { module, variable } = found ?? framework.fallback;
  if (found) {
    notes.push(
      variable === ''
        ? `${module.file} has an app factory`
        : `${module.file} creates the app as \`${variable}\``,
    );
  } else {
    notes.push(
      `no module that creates the app was found: ${module.file} and \`${variable}\` are assumed`,
    );
  }
  return {
    kind: framework.kind,
    web: {
      command: framework.command(module, variable),
      port: framework.port,
      health_path: '/',
      restart_after_task: true,
    },
    build: {
      command: `${VENV} python3 -m py_compile ${module.file}`,
      timeout_seconds: CHECK_TIMEOUT_SECONDS,
    },
    workers: [],
    notes,
  };
}

async function findAppObject(
  files: ProjectFiles,
  framework: PythonFramework,
): Promise<{ module: ModuleCandidate; variable: string } | null> {
  let factory: ModuleCandidate | null = null;
  for (const module of framework.candidates) {
    const text = await files.text(module.file);
    if (text === null) continue;
    const variable = framework.appObject.exec(text)?.[1];
    if (variable !== undefined) return { module, variable };
    if (factory === null && framework.factory?.test(text)) factory = module;
  }
  return factory === null ? null : { module: factory, variable: '' };
}

/** manage.py at the root, else (for a project that names django) in a top-level directory. */
async function findManagePy(files: ProjectFiles, django: boolean): Promise<string | null> {
  if (await files.has('manage.py')) return 'manage.py';
  if (!django) return null;
  const dirs = [...(await files.entries(''))]
    .filter((name) => !SKIPPED_DIRS.has(name) && !name.startsWith('.') && !name.includes('.'))
    .sort()
    .slice(0, MAX_DIRS_SEARCHED);
  for (const dir of dirs) {
    if (!/^[A-Za-z0-9_-]+$/.test(dir)) continue;
    if (await files.has(`${dir}/manage.py`)) return `${dir}/manage.py`;
  }
  return null;
}
