import { useRef, useState, type FormEvent } from 'react';
import type { AccessPolicy, ConfigEntry, PatchConfigBody } from '@paddock/shared';
import { usePatchConfig } from '../../api/config.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { ACCESS_POLICIES, ACCESS_POLICY_LABELS, isAccessPolicy } from './accessPolicy.js';
import { InjectionFields } from './InjectionFields.js';
import { draftOf, ruleOf, type InjectionDraft } from './injectionDraft.js';

interface EditConfigFormProps {
  appId: string;
  entry: ConfigEntry;
  onDone: () => void;
}

/**
 * Changes one entry: a plain value is edited in place; a secret's value is replaced through an
 * empty write-only box (left empty, it is kept). Only what changed is sent.
 */
export function EditConfigForm({ appId, entry, onDone }: EditConfigFormProps) {
  const patch = usePatchConfig(appId);
  const valueRef = useRef<HTMLInputElement>(null);
  const [policy, setPolicy] = useState<AccessPolicy>(entry.access_policy);
  const [injection, setInjection] = useState<InjectionDraft>(() => draftOf(entry.inject));
  const [nothing, setNothing] = useState(false);
  const id = `config-edit-${entry.key}`;

  function submit(event: FormEvent): void {
    event.preventDefault();
    const body: PatchConfigBody = {};
    const value = valueRef.current?.value ?? '';
    if (entry.sensitive ? value !== '' : value !== (entry.value ?? '')) body.value = value;
    if (policy !== entry.access_policy) body.access_policy = policy;
    if (entry.sensitive) {
      const rule = ruleOf(injection);
      if (JSON.stringify(rule) !== JSON.stringify(entry.inject)) body.inject = rule;
    }
    if (Object.keys(body).length === 0) {
      setNothing(true);
      return;
    }
    setNothing(false);
    patch.mutate({ key: entry.key, body }, { onSuccess: onDone });
  }

  return (
    <form
      className="config-form config-form-edit"
      aria-label={`Edit ${entry.key}`}
      data-testid="config-edit"
      onSubmit={submit}
    >
      <div className="config-form-row">
        <div className="config-field config-field-wide">
          <label htmlFor={`${id}-value`}>{entry.sensitive ? 'New secret value' : 'Value'}</label>
          <input
            id={`${id}-value`}
            ref={valueRef}
            type={entry.sensitive ? 'password' : 'text'}
            defaultValue={entry.sensitive ? undefined : (entry.value ?? '')}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={entry.sensitive ? `${id}-value-hint` : undefined}
            data-testid="config-edit-value"
          />
          {entry.sensitive && (
            <span id={`${id}-value-hint`} className="muted small">
              Leave empty to keep the current value. It is never shown.
            </span>
          )}
        </div>
        <div className="config-field">
          <label htmlFor={`${id}-policy`}>Who may use it</label>
          <select
            id={`${id}-policy`}
            value={policy}
            data-testid="config-edit-policy"
            onChange={(e) => isAccessPolicy(e.target.value) && setPolicy(e.target.value)}
          >
            {ACCESS_POLICIES.map((p) => (
              <option key={p} value={p}>
                {ACCESS_POLICY_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {entry.sensitive && (
        <InjectionFields
          idPrefix={`${id}-inject`}
          draft={injection}
          policy={policy}
          onChange={setInjection}
        />
      )}
      {nothing && (
        <p className="small" role="status">
          Nothing changed.
        </p>
      )}
      {patch.isError && (
        <ErrorNotice
          error={patch.error}
          title={`Could not change ${entry.key}`}
          testId="config-edit-error"
        />
      )}
      <div className="actions">
        <button type="submit" disabled={patch.isPending} data-testid="config-edit-save">
          {patch.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button-quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
