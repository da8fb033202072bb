import { useId, useRef, useState, type FormEvent } from 'react';
import type { ManifestIssue } from '@paddock/shared';
import { manifestIssuesOf, useConfirmImport, useManifestCheck } from '../../api/projectImport.js';
import { useDebouncedValue } from '../../hooks/useDebouncedValue.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { ManifestErrors } from '../ManifestErrors.js';
import { textPlace } from './textPlace.js';

const MIN_ROWS = 8;
const MAX_ROWS = 28;

interface ManifestReviewFormProps {
  appId: string;
  /** The sandbox.yaml detection proposed (or the project's own). */
  proposed: string;
}

/**
 * The sandbox.yaml the imported app will run by, to edit before its first start. The daemon
 * checks the text as it is typed; "Start the app" sends it only when it was changed.
 */
export function ManifestReviewForm({ appId, proposed }: ManifestReviewFormProps) {
  const confirm = useConfirmImport(appId);
  // Null while untouched: the text follows the daemon's proposal until the person edits it.
  const [draft, setDraft] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  const text = draft ?? proposed;
  const edited = text !== proposed;
  const settled = useDebouncedValue(text, 400);
  const check = useManifestCheck(settled);

  // The confirm's own refusal wins while its text is what is shown; otherwise the live check.
  const refused = confirm.isError && sent === text ? manifestIssuesOf(confirm.error) : [];
  const checked = settled === text && check.data?.valid === false ? (check.data.errors ?? []) : [];
  const issues = refused.length > 0 ? refused : checked;
  const otherError = confirm.isError && manifestIssuesOf(confirm.error).length === 0;
  const rows = Math.min(MAX_ROWS, Math.max(MIN_ROWS, text.split('\n').length + 1));

  function locate(issue: ManifestIssue): void {
    const area = textRef.current;
    if (!area) return;
    const { start, lineEnd } = textPlace(area.value, issue.line, issue.column);
    area.focus();
    area.setSelectionRange(start, Math.max(start, lineEnd));
  }

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (confirm.isPending) return;
    setSent(text);
    confirm.mutate(edited ? { manifest: text } : {});
  }

  const checkState =
    settled !== text || check.isFetching
      ? 'checking'
      : check.data
        ? check.data.valid
          ? 'valid'
          : 'invalid'
        : 'unknown';

  return (
    <form className="import-review-form" onSubmit={submit} aria-busy={confirm.isPending}>
      <div className="import-manifest-header">
        <label htmlFor={`${id}-manifest`}>
          <strong>sandbox.yaml</strong>
          {edited && <span className="muted small"> · edited</span>}
        </label>
        <span
          className="muted small"
          role="status"
          data-testid="import-manifest-check"
          data-state={checkState}
        >
          {checkState === 'checking'
            ? 'Checking…'
            : checkState === 'valid'
              ? '✓ Valid'
              : checkState === 'invalid'
                ? 'Has errors'
                : ''}
        </span>
      </div>
      <textarea
        id={`${id}-manifest`}
        ref={textRef}
        className="import-manifest"
        data-testid="import-manifest"
        value={text}
        rows={rows}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        disabled={confirm.isPending}
        aria-describedby={`${id}-manifest-hint`}
        aria-invalid={issues.length > 0}
        onChange={(event) => setDraft(event.target.value)}
      />
      <p id={`${id}-manifest-hint`} className="muted small">
        The web process (its command and port), the health check, the build and any workers. The
        processes start by it once you start the app; later it is the project’s{' '}
        <code>sandbox.yaml</code>, edited like any other file.
      </p>
      <ManifestErrors
        errors={issues}
        source="workspace"
        onLocate={locate}
        testId="import-manifest-errors"
      />
      {check.isError && (
        <ErrorNotice
          error={check.error}
          title="Could not check sandbox.yaml (it is checked again on start)"
        />
      )}
      {otherError && (
        <ErrorNotice
          error={confirm.error}
          title="Could not start the app"
          testId="import-confirm-error"
        />
      )}
      <div className="actions">
        <button type="submit" data-testid="import-start" disabled={confirm.isPending}>
          {confirm.isPending ? 'Starting…' : 'Start the app'}
        </button>
        {edited && (
          <button
            type="button"
            className="button-quiet"
            data-testid="import-manifest-reset"
            disabled={confirm.isPending}
            onClick={() => setDraft(null)}
          >
            Back to the proposal
          </button>
        )}
      </div>
    </form>
  );
}
