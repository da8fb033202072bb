import { isScalar, isSeq, isMap, type Node, type Pair, type YAMLMap } from 'yaml';
import { isCapability, type Capability } from '@paddock/shared';
import { MANIFEST_LIMITS } from './limits.js';
import type { ManifestIssue, PublishSection } from './types.js';

/** What this section's checks use of the manifest's validator (its issues and helpers). */
export interface ManifestChecks {
  readonly issues: ManifestIssue[];
  report(node: Node | Pair | null | undefined, path: string, message: string): void;
  fields(map: YAMLMap, path: string, allowed: readonly string[]): Map<string, Pair>;
  string(pair: Pair, path: string): string | undefined;
  fail(pair: Pair, path: string, message: string): undefined;
}

const LIMITS = MANIFEST_LIMITS.publish;
const KEYS = [
  'name',
  'type',
  'description',
  'icon',
  'permissions',
  'optional_permissions',
  'output',
  'entry',
  'version_label',
] as const;

/**
 * The `publish` section: how the app becomes a userspace app package. Checked here as far as
 * the text can be (types, paths, capabilities, the web/service rules); that the output, entry
 * and icon exist is known only after the build, when the app is published.
 */
export function validatePublish(v: ManifestChecks, pair: Pair): PublishSection | undefined {
  const node = pair.value as Node | null;
  if (!isMap(node)) {
    return v.fail(pair, 'publish', '`publish` must be a mapping (type, output, permissions…)');
  }
  const f = v.fields(node, 'publish', KEYS);
  const before = v.issues.length;
  const text = (key: string, max: number): string | undefined => {
    const p = f.get(key);
    if (!p) return undefined;
    const value = v.string(p, `publish.${key}`);
    if (value === undefined) return undefined;
    if (value.trim() === '' || value.length > max || hasControl(value)) {
      v.report(p.value as Node, `publish.${key}`, `must be 1–${max} characters on one line`);
      return undefined;
    }
    return value;
  };
  const name = text('name', LIMITS.maxName);
  const label = text('version_label', LIMITS.maxVersionLabel);
  const type = appType(v, f.get('type'));
  let description: string | undefined;
  const d = f.get('description');
  if (d) {
    description = v.string(d, 'publish.description');
    if (description !== undefined && description.length > LIMITS.maxDescription) {
      v.report(
        d.value as Node,
        'publish.description',
        `at most ${LIMITS.maxDescription} characters`,
      );
    }
  }
  const icon = packagePath(v, f.get('icon'), 'publish.icon');
  const permissions = capabilities(v, f.get('permissions'), 'publish.permissions');
  const optional = capabilities(v, f.get('optional_permissions'), 'publish.optional_permissions');
  const o = f.get('optional_permissions');
  for (const c of optional) {
    if (permissions.includes(c)) {
      v.report(
        o?.value as Node,
        'publish.optional_permissions',
        `"${c}" is already required in permissions`,
      );
    }
  }
  const output = packagePath(v, f.get('output'), 'publish.output', true);
  const entry = packagePath(v, f.get('entry'), 'publish.entry');
  if (type === 'service') {
    for (const key of ['output', 'entry'] as const) {
      const p = f.get(key);
      if (p) {
        v.report(
          p.key as Node,
          `publish.${key}`,
          `a service app's package is its workspace: \`${key}\` is for web apps`,
        );
      }
    }
  } else if (type === 'web' && !f.has('output')) {
    v.report(
      node,
      'publish.output',
      "a web app names its build's output directory (`output: dist`): that is its package",
    );
  }
  if (v.issues.length > before || type === undefined) return undefined;
  return {
    ...(name !== undefined ? { name } : {}),
    type,
    ...(description !== undefined ? { description } : {}),
    ...(icon !== undefined ? { icon } : {}),
    permissions,
    optional_permissions: optional,
    ...(type === 'web' ? { output: output!, entry: entry ?? LIMITS.defaultEntry } : {}),
    ...(label !== undefined ? { version_label: label } : {}),
  };
}

function appType(v: ManifestChecks, pair: Pair | undefined): 'web' | 'service' | undefined {
  if (!pair) return 'web';
  const value = v.string(pair, 'publish.type');
  if (value === 'web' || value === 'service') return value;
  if (value !== undefined) {
    v.report(pair.value as Node, 'publish.type', '`type` is `web` or `service`');
  }
  return undefined;
}

/** A list of capabilities (`app.kv`, `network:https://host`…), each once. */
function capabilities(v: ManifestChecks, pair: Pair | undefined, path: string): Capability[] {
  if (!pair) return [];
  const list = pair.value as Node | null;
  if (!isSeq(list)) {
    v.report(list ?? pair, path, 'must be a list of capabilities');
    return [];
  }
  if (list.items.length > LIMITS.maxPermissions) {
    v.report(list, path, `at most ${LIMITS.maxPermissions} permissions`);
  }
  const out: Capability[] = [];
  list.items.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const value = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
    if (value === undefined || !isCapability(value)) {
      v.report(
        item as Node,
        at,
        `${value === undefined ? 'not a string' : `"${value}"`}: not a capability (app.kv, app.table, app.files, app.notify, app.agent, app.llm, network:https://<host>[:port])`,
      );
    } else if (out.includes(value)) {
      v.report(item as Node, at, `"${value}" is already listed`);
    } else out.push(value);
  });
  return out;
}

/**
 * A relative path with `/` separators and no `.`, `..` or empty segment (a directory's trailing
 * `/` is dropped). Relative to the workspace for `output`, to the package for the others.
 */
function packagePath(
  v: ManifestChecks,
  pair: Pair | undefined,
  path: string,
  dir = false,
): string | undefined {
  if (!pair) return undefined;
  let value = v.string(pair, path);
  if (value === undefined) return undefined;
  if (dir && value.length > 1 && value.endsWith('/')) value = value.slice(0, -1);
  const problem = pathProblem(value);
  if (problem) {
    v.report(pair.value as Node, path, problem);
    return undefined;
  }
  return value;
}

function pathProblem(p: string): string | null {
  if (p.startsWith('/')) return 'must be a relative path (no leading /)';
  if (p.includes('\\')) return 'use / between path segments';
  if (hasControl(p)) return 'control characters are not allowed in paths';
  if (Buffer.byteLength(p) > LIMITS.maxPathBytes) return 'the path is too long';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return 'a path inside the workspace: no empty, "." or ".." segment';
  }
  return null;
}

/** C0 controls and DEL: nothing a name, label or path holds. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
