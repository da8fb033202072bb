import type { ManifestIssue, ManifestState } from '@paddock/shared';

interface ManifestErrorsProps {
  errors: readonly ManifestIssue[];
  source: ManifestState['source'];
}

/** Problems in the app's sandbox.yaml, each with its line and column. */
export function ManifestErrors({ errors, source }: ManifestErrorsProps) {
  if (errors.length === 0) return null;
  return (
    <section
      className="notice notice-error"
      data-testid="manifest-errors"
      aria-labelledby="manifest-errors-title"
    >
      <h2 id="manifest-errors-title" className="notice-title">
        sandbox.yaml has {errors.length === 1 ? 'an error' : `${errors.length} errors`}
      </h2>
      {source === 'preset' && (
        <p className="muted">The manifest in use is the preset&apos;s default.</p>
      )}
      <ul className="manifest-errors">
        {errors.map((issue, index) => (
          <li key={index}>
            <code>
              sandbox.yaml:{issue.line}:{issue.column}
            </code>
            {issue.path && <code className="muted"> {issue.path}</code>} {issue.message}
          </li>
        ))}
      </ul>
    </section>
  );
}
