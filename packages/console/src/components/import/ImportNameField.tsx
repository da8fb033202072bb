import { NAME_MAX } from './importNames.js';

interface ImportNameFieldProps {
  id: string;
  value: string;
  /** What the app is called when the field is left empty. */
  suggestion: string;
  disabled: boolean;
  onChange: (value: string) => void;
}

/** The new app's name, optional: it defaults to the repository's or the archive's name. */
export function ImportNameField({
  id,
  value,
  suggestion,
  disabled,
  onChange,
}: ImportNameFieldProps) {
  return (
    <div className="import-field">
      <label htmlFor={id}>App name (optional)</label>
      <input
        id={id}
        data-testid="import-name"
        value={value}
        maxLength={NAME_MAX}
        placeholder={suggestion || undefined}
        autoComplete="off"
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
      />
      <span id={`${id}-hint`} className="muted small">
        {suggestion
          ? `Left empty, the app is called “${suggestion}”.`
          : "Left empty, the app takes the project's name."}
      </span>
    </div>
  );
}
