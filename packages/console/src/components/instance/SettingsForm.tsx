import { useState, type FormEvent } from 'react';
import type { PatchSettingsBody, SettingsView } from '@paddock/shared';
import { ApiError } from '../../api/client.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { SETTING_GROUPS, type SettingField } from './settingFields.js';
import { SourceBadge } from './SourceBadge.js';

interface SettingsFormProps {
  settings: SettingsView;
  saving: boolean;
  error: unknown;
  saved: boolean;
  onSave: (patch: PatchSettingsBody) => void;
}

type Draft = Record<string, string>;

const ALL_FIELDS: SettingField[] = SETTING_GROUPS.flatMap((g) => g.fields);

function draftOf(settings: SettingsView): Draft {
  return Object.fromEntries(ALL_FIELDS.map((f) => [f.key, String(settings[f.key])]));
}

/**
 * The setting a refused PATCH is about: the API names it in its message (e.g.
 * "body/idle_stop_seconds must be >= 0"), so its error can sit under that field.
 */
function fieldOfError(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const named = ALL_FIELDS.filter((f) => error.message.includes(f.key));
  return named.length === 1 ? named[0]!.key : null;
}

/** The lifecycle and limit settings as a form; only what changed is sent. */
export function SettingsForm({ settings, saving, error, saved, onSave }: SettingsFormProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [base, setBase] = useState(settings);
  // A newer answer from the API (a save, another admin) replaces the draft it was based on.
  if (base !== settings) {
    setBase(settings);
    setDraft(draftOf(settings));
  }

  const changed = ALL_FIELDS.filter((f) => draft[f.key] !== String(settings[f.key]));
  const errorField = fieldOfError(error);

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const patch: Record<string, number> = {};
    // Text that is not a number is sent as it is typed, so the API's own error explains it.
    for (const f of changed) {
      const text = draft[f.key]!.trim();
      patch[f.key] = text === '' ? Number.NaN : Number(text);
    }
    onSave(patch as PatchSettingsBody);
  }

  return (
    <form className="settings-form" noValidate onSubmit={handleSubmit} data-testid="settings-form">
      {SETTING_GROUPS.map((group) => (
        <fieldset key={group.title} className="settings-group">
          <legend>{group.title}</legend>
          {group.fields.map((f) => {
            const id = `setting-${f.key}`;
            const invalid = errorField === f.key;
            return (
              <div key={f.key} className="setting-row" data-setting={f.key}>
                <label htmlFor={id}>{f.label}</label>
                <div className="setting-input">
                  <input
                    id={id}
                    type="number"
                    inputMode={f.step < 1 ? 'decimal' : 'numeric'}
                    step={f.step}
                    value={draft[f.key] ?? ''}
                    aria-describedby={`${id}-hint${invalid ? ` ${id}-error` : ''}`}
                    aria-invalid={invalid || undefined}
                    data-testid={id}
                    onChange={(event) => setDraft({ ...draft, [f.key]: event.target.value })}
                  />
                  <span className="setting-unit">{f.unit}</span>
                  <SourceBadge source={settings.sources[f.key]} />
                </div>
                <p id={`${id}-hint`} className="muted small setting-hint">
                  {f.hint}
                </p>
                {invalid && (
                  <p
                    id={`${id}-error`}
                    className="setting-error"
                    role="alert"
                    data-testid="setting-error"
                  >
                    {error instanceof Error ? error.message : ''}
                  </p>
                )}
              </div>
            );
          })}
        </fieldset>
      ))}
      {error !== null && error !== undefined && errorField === null && (
        <ErrorNotice error={error} title="Settings not saved" testId="settings-save-error" />
      )}
      <div className="actions">
        <button type="submit" disabled={saving || changed.length === 0} data-testid="settings-save">
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        <button
          type="button"
          className="button-quiet"
          disabled={saving || changed.length === 0}
          onClick={() => setDraft(draftOf(settings))}
        >
          Discard
        </button>
        <span className="muted small" role="status" data-testid="settings-status">
          {changed.length > 0
            ? `${changed.length} unsaved ${changed.length === 1 ? 'change' : 'changes'}`
            : saved
              ? 'Saved: in force now and kept across restarts.'
              : ''}
        </span>
      </div>
    </form>
  );
}
