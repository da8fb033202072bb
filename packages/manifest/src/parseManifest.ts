import { LineCounter, parseDocument, visit } from 'yaml';
import { MANIFEST_LIMITS } from './limits.js';
import type { ManifestResult } from './types.js';
import { ManifestValidator } from './validateManifest.js';

/**
 * Parses and validates a `sandbox.yaml`. Never throws on bad input: a YAML syntax error, a
 * duplicate key, an unknown field or a wrong type each come back as an issue with its line,
 * column and reason, so the API, the events and the console can show exactly what to fix.
 */
export function parseManifest(text: string): ManifestResult {
  if (Buffer.byteLength(text, 'utf8') > MANIFEST_LIMITS.maxBytes) {
    return {
      valid: false,
      errors: [
        {
          line: 1,
          column: 1,
          path: '',
          message: `the manifest is larger than ${MANIFEST_LIMITS.maxBytes} bytes`,
        },
      ],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      valid: false,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, path: '', message: firstLine(e.message) };
      }),
    };
  }
  const validator = new ManifestValidator(lines);
  // A manifest has no use for aliases, and they are how "billion laughs" documents grow.
  visit(doc, {
    Alias(_key, node) {
      validator.report(node, '', 'aliases (*name) are not supported in sandbox.yaml');
    },
  });
  if (validator.issues.length > 0) return { valid: false, errors: validator.issues };
  const manifest = validator.manifest(doc.contents);
  if (!manifest) return { valid: false, errors: validator.issues };
  return { valid: true, manifest };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
