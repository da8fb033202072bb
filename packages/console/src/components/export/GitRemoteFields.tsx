interface GitRemoteFieldsProps {
  /** The form's id prefix (its `useId()`); the inputs are `${id}-url` and `${id}-branch`. */
  id: string;
  /** `push` or `pull`: the test ids are `git-${way}-url` and `git-${way}-branch`. */
  way: 'push' | 'pull';
  url: string;
  onUrlChange: (url: string) => void;
  branch: string;
  onBranchChange: (branch: string) => void;
  /** The repository the app came from, used when the URL is left empty. */
  fallback: string | null;
  disabled: boolean;
}

/** A git remote's URL and branch, as push and pull both ask for them. */
export function GitRemoteFields(p: GitRemoteFieldsProps) {
  return (
    <div className="export-row">
      <div className="export-field export-field-wide">
        <label htmlFor={`${p.id}-url`}>Remote URL</label>
        <input
          id={`${p.id}-url`}
          type="url"
          inputMode="url"
          data-testid={`git-${p.way}-url`}
          value={p.url}
          placeholder={p.fallback ?? 'https://github.com/you/your-project.git'}
          required={p.fallback === null}
          autoComplete="off"
          spellCheck={false}
          disabled={p.disabled}
          onChange={(event) => p.onUrlChange(event.target.value)}
        />
      </div>
      <div className="export-field">
        <label htmlFor={`${p.id}-branch`}>Branch</label>
        <input
          id={`${p.id}-branch`}
          data-testid={`git-${p.way}-branch`}
          value={p.branch}
          required
          maxLength={255}
          autoComplete="off"
          spellCheck={false}
          disabled={p.disabled}
          onChange={(event) => p.onBranchChange(event.target.value)}
        />
      </div>
    </div>
  );
}
