import { useId } from 'react';
import type { ManifestIssue, ManifestState } from '@paddock/shared';

interface ManifestErrorsProps {
  errors: readonly ManifestIssue[];
  source: ManifestState['source'];
  /** Where the text is being edited: each problem's place becomes a button that goes there. */
  onLocate?: (issue: ManifestIssue) => void;
  testId?: string;
}

/** Problems in the app's sandbox.yaml, each with its line and column. */
export function ManifestErrors({
  errors,
  source,
  onLocate,
  testId = 'manifest-errors',
}: ManifestErrorsProps) {
  // Two lists can be on one page (the running app's and an import review's).
  const titleId = useId();
  if (errors.length === 0) return null;
  return (
    <section className="notice notice-error" data-testid={testId} aria-labelledby={titleId}>
      <h2 id={titleId} className="notice-title">
        sandbox.yaml has {errors.length === 1 ? 'an error' : `${errors.length} errors`}
      </h2>
      {source === 'preset' && (
        <p className="muted">The manifest in use is the preset&apos;s default.</p>
      )}
      <ul className="manifest-errors">
        {errors.map((issue, index) => {
          const place = `sandbox.yaml:${issue.line}:${issue.column}`;
          return (
            <li key={index} data-line={issue.line}>
              {onLocate ? (
                <button
                  type="button"
                  className="link-button"
                  title="Go to this place in the text"
                  onClick={() => onLocate(issue)}
                >
                  <code>{place}</code>
                </button>
              ) : (
                <code>{place}</code>
              )}
              {issue.path && <code className="muted"> {issue.path}</code>} {issue.message}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
