import type { ProjectKind } from './types.js';

/**
 * The app's own virtualenv first on PATH, as the fastapi preset runs: the daemon makes `.venv`
 * and installs requirements.txt into it; without one, the system's python3 still runs the app.
 */
export const VENV = 'VIRTUAL_ENV=$PWD/.venv PATH=$PWD/.venv/bin:$PATH';

/** A module file that may hold the app object, and how it is imported. */
export interface ModuleCandidate {
  file: string;
  module: string;
  /** The directory to import from, when the module is not importable from the root. */
  appDir?: string;
}

/** A Python web framework: how its app object is found and served on a fixed loopback port. */
export interface PythonFramework {
  kind: Exclude<ProjectKind, 'django'>;
  /** Recognised when the project depends on this distribution (normalised name). */
  distribution: string;
  /** Where the app object is looked for, in order. */
  candidates: readonly ModuleCandidate[];
  /** `app = FastAPI(`: group 1 is the variable. */
  appObject: RegExp;
  /** A module that holds no app object but a factory the framework finds itself. */
  factory?: RegExp;
  /** Used when no candidate holds the app object. */
  fallback: { module: ModuleCandidate; variable: string };
  command: (module: ModuleCandidate, variable: string) => string;
  port: number;
}

const ASGI_MODULES: readonly ModuleCandidate[] = [
  { file: 'main.py', module: 'main' },
  { file: 'app.py', module: 'app' },
  { file: 'server.py', module: 'server' },
  { file: 'api.py', module: 'api' },
  { file: 'asgi.py', module: 'asgi' },
  { file: 'app/main.py', module: 'app.main' },
  { file: 'app/app.py', module: 'app.app' },
  { file: 'app/__init__.py', module: 'app' },
  { file: 'api/main.py', module: 'api.main' },
  { file: 'src/main.py', module: 'main', appDir: 'src' },
  { file: 'src/app/main.py', module: 'app.main', appDir: 'src' },
  { file: 'backend/main.py', module: 'main', appDir: 'backend' },
];

const WSGI_MODULES: readonly ModuleCandidate[] = [
  { file: 'app.py', module: 'app' },
  { file: 'main.py', module: 'main' },
  { file: 'wsgi.py', module: 'wsgi' },
  { file: 'server.py', module: 'server' },
  { file: 'application.py', module: 'application' },
  { file: 'app/__init__.py', module: 'app' },
  { file: 'app/app.py', module: 'app.app' },
  { file: 'src/app.py', module: 'app', appDir: 'src' },
];

export const PYTHON_FRAMEWORKS: readonly PythonFramework[] = [
  {
    kind: 'fastapi',
    distribution: 'fastapi',
    candidates: ASGI_MODULES,
    appObject: /^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:fastapi\.)?FastAPI\(/m,
    fallback: { module: ASGI_MODULES[0]!, variable: 'app' },
    // No --reload (it polls every file): the server restarts after a task instead.
    command: (m, variable) =>
      `${VENV} python3 -m uvicorn ${m.module}:${variable}` +
      `${m.appDir ? ` --app-dir ${m.appDir}` : ''} --host 127.0.0.1 --port 8000`,
    port: 8000,
  },
  {
    kind: 'flask',
    distribution: 'flask',
    candidates: WSGI_MODULES,
    appObject: /^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:flask\.)?Flask\(/m,
    factory: /^def (create_app|make_app)\(/m,
    fallback: { module: WSGI_MODULES[0]!, variable: 'app' },
    // FLASK_APP (rather than --app) works on every Flask version; a path names the file.
    command: (m, variable) =>
      `${VENV} FLASK_APP=${m.file}${variable === '' ? '' : `:${variable}`} python3 -m flask run --host 127.0.0.1 --port 5000`,
    port: 5000,
  },
];

/** Lockfiles of other Python installers: named in a note; pip installs requirements.txt. */
export const PYTHON_LOCKFILES: readonly [string, string][] = [
  ['poetry.lock', 'Poetry'],
  ['uv.lock', 'uv'],
  ['Pipfile.lock', 'Pipenv'],
];

/** Files a plain Python program starts from. */
export const PYTHON_ENTRIES = ['main.py', 'app.py', 'server.py', '__main__.py'];
