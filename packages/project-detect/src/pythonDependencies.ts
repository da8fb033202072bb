import type { ProjectFiles } from './projectFiles.js';

export interface PythonDependencies {
  /** Normalised distribution names (PEP 503: lower case, runs of `-_.` as `-`). */
  names: Set<string>;
  /** Which files declared them: requirements.txt, pyproject.toml. */
  sources: string[];
  notes: string[];
}

/** A requirement's name: what precedes extras, a version, a marker or a URL. */
const REQUIREMENT_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]*)/;

/**
 * The project's declared Python dependencies from requirements.txt and pyproject.toml
 * (`[project] dependencies` and Poetry's tables). Null when it has neither file.
 */
export async function readPythonDependencies(
  files: ProjectFiles,
): Promise<PythonDependencies | null> {
  const requirements = await files.text('requirements.txt');
  const pyproject = await files.text('pyproject.toml');
  if (requirements === null && pyproject === null) return null;
  const deps: PythonDependencies = { names: new Set(), sources: [], notes: [] };
  if (requirements !== null) {
    deps.sources.push('requirements.txt');
    for (const line of requirements.split(/\r?\n/)) {
      // Options (-r, -e, --index-url) and comments name no distribution here.
      const name = REQUIREMENT_NAME.exec(line.replace(/#.*/, '').trim())?.[1];
      if (name) deps.names.add(normalise(name));
    }
  }
  if (pyproject !== null) {
    deps.sources.push('pyproject.toml');
    const read = pyprojectDependencies(pyproject);
    // Half a file is not trusted: what was read before the trouble may be out of context.
    if (!read.malformed) for (const name of read.names) deps.names.add(normalise(name));
    else {
      deps.notes.push(
        `pyproject.toml could not be read (${read.malformed}): its dependencies are ignored`,
      );
    }
  }
  return deps;
}

export function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The names in pyproject.toml's dependency lists, read line by line: enough TOML for
 * `dependencies = [ "fastapi>=0.110", … ]` under `[project]` and the keys of
 * `[tool.poetry.dependencies]` (and Poetry's groups). Anything it cannot follow makes it stop
 * and say so, rather than guess.
 */
function pyprojectDependencies(text: string): { names: string[]; malformed: string | null } {
  const names: string[] = [];
  let table = '';
  let inArray = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$|^#.*$/, '').trim();
    if (inArray) {
      for (const m of line.matchAll(/["']([^"']*)["']/g)) pushRequirement(names, m[1]!);
      if (/\]\s*,?$/.test(line)) inArray = false;
      continue;
    }
    if (line === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      table = header[1]!;
      continue;
    }
    if (line.startsWith('['))
      return { names, malformed: `a bad table header: ${line.slice(0, 40)}` };
    if (table === 'project' && /^dependencies\s*=/.test(line)) {
      const value = line.replace(/^dependencies\s*=\s*/, '');
      if (!value.startsWith('[')) return { names, malformed: '`dependencies` is not a list' };
      for (const m of value.matchAll(/["']([^"']*)["']/g)) pushRequirement(names, m[1]!);
      inArray = !/\]\s*$/.test(value);
    } else if (/^tool\.poetry\.(group\.[^.]+\.)?dependencies$/.test(table)) {
      const key = /^["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/.exec(line)?.[1];
      if (key && key.toLowerCase() !== 'python') names.push(key);
    }
  }
  if (inArray) return { names, malformed: 'the `dependencies` list is not closed' };
  return { names, malformed: null };
}

function pushRequirement(names: string[], requirement: string): void {
  const name = REQUIREMENT_NAME.exec(requirement.trim())?.[1];
  if (name) names.push(name);
}
