import { AppPackageManifest } from '@paddock/shared';
import { Compile, type Validator } from 'typebox/compile';
import { LineCounter, parseDocument, type Node } from 'yaml';

/** One problem with a manifest, where it is: 1-based line and column, and the field's path. */
export interface PackageManifestIssue {
  line: number;
  column: number;
  path: string;
  message: string;
}

export type PackageManifestResult =
  { valid: true; manifest: AppPackageManifest } | { valid: false; errors: PackageManifestIssue[] };

let validator: Validator | undefined;

/**
 * Reads `paddock-app.json`: JSON (parsed as the JSON subset of YAML, which keeps every node's
 * position), then the schema in `@paddock/shared`, then the rules between fields. Every issue
 * names its line, column and field, like `sandbox.yaml`'s.
 */
export function parsePackageManifest(text: string): PackageManifestResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      valid: false,
      errors: doc.errors.map((e) => {
        const { line, col } = at(e.pos[0]);
        return { line, column: col, path: '', message: e.message.split('\n')[0]! };
      }),
    };
  }
  const value: unknown = doc.toJS();
  validator ??= Compile(AppPackageManifest);
  const where = (path: (string | number)[]) => {
    const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null;
    const { line, col } = at(node?.range?.[0] ?? 0);
    return { line, column: col, path: path.map(String).join('.') };
  };
  if (!validator.Check(value)) {
    const errors = [...validator.Errors(value)]
      // `additionalProperties` reports each extra field twice: keep the one naming it.
      .filter((e) => e.keyword !== 'boolean')
      .map((e) => {
        const path = pointer(e.instancePath);
        const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
        const missing = (e.params as { requiredProperties?: string[] }).requiredProperties;
        const message = extra
          ? `unknown field ${extra.join(', ')}`
          : missing
            ? `missing ${missing.join(', ')}`
            : e.message;
        return { ...where(extra ? [...path, extra[0]!] : path), message };
      });
    return { valid: false, errors };
  }
  const manifest = value as AppPackageManifest;
  const errors = crossFieldIssues(manifest).map(([path, message]) => ({
    ...where(path),
    message,
  }));
  return errors.length > 0 ? { valid: false, errors } : { valid: true, manifest };
}

/** The rules one field's schema cannot say. */
function crossFieldIssues(m: AppPackageManifest): [(string | number)[], string][] {
  const issues: [(string | number)[], string][] = [];
  if (m.app_type === 'web' && m.entry === undefined) {
    issues.push([[], 'a web app names its entry HTML file in "entry"']);
  }
  if (m.app_type === 'service' && m.entry !== undefined) {
    issues.push([['entry'], 'a service app has no "entry": it runs from its sandbox.yaml']);
  }
  if (m.min_upgradable_version > m.version) {
    issues.push([['min_upgradable_version'], 'must not be above "version"']);
  }
  m.optional_permissions.forEach((p, i) => {
    if (m.permissions.includes(p)) {
      issues.push([['optional_permissions', i], `${p} is already a required permission`]);
    }
  });
  return issues;
}

/** A JSON pointer (`/permissions/1`) as a path for `doc.getIn`. */
function pointer(p: string): (string | number)[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
