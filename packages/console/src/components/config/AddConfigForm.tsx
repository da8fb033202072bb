import { useRef, useState, type FormEvent } from 'react';
import type { AccessPolicy, CreateConfigBody } from '@paddock/shared';
import { useCreateConfig } from '../../api/config.js';
import { ErrorNotice } from '../ErrorNotice.js';
import {
  ACCESS_POLICIES,
  ACCESS_POLICY_LABELS,
  defaultPolicy,
  isAccessPolicy,
} from './accessPolicy.js';
import { InjectionFields } from './InjectionFields.js';
import { NO_INJECTION, ruleOf, type InjectionDraft } from './injectionDraft.js';

/**
 * Adds a plain value or a secret. The value box is not a controlled input: what is typed stays
 * in the input's own state (no value attribute in the DOM) and is cleared once sent.
 */
export function AddConfigForm({ appId }: { appId: string }) {
  const create = useCreateConfig(appId);
  const valueRef = useRef<HTMLInputElement>(null);
  const [key, setKey] = useState('');
  const [sensitive, setSensitive] = useState(false);
  // Null until chosen: follows the kind's default until then.
  const [policy, setPolicy] = useState<AccessPolicy | null>(null);
  const [injection, setInjection] = useState<InjectionDraft>(NO_INJECTION);
  const [added, setAdded] = useState<string | null>(null);
  const shownPolicy = policy ?? defaultPolicy(sensitive);

  function submit(event: FormEvent): void {
    event.preventDefault();
    const rule = sensitive ? ruleOf(injection) : null;
    const body: CreateConfigBody = {
      key: key.trim(),
      value: valueRef.current?.value ?? '',
      sensitive,
      access_policy: shownPolicy,
      ...(rule ? { inject: rule } : {}),
    };
    setAdded(null);
    create.mutate(body, {
      onSuccess: (entry) => {
        if (valueRef.current) valueRef.current.value = '';
        setKey('');
        setSensitive(false);
        setPolicy(null);
        setInjection(NO_INJECTION);
        setAdded(entry.key);
      },
    });
  }

  return (
    <form
      className="config-form"
      aria-labelledby="config-add-title"
      data-testid="config-add"
      onSubmit={submit}
    >
      <h3 id="config-add-title">Add a value or a secret</h3>
      <div className="config-form-row">
        <div className="config-field">
          <label htmlFor="config-add-key">Key</label>
          <input
            id="config-add-key"
            value={key}
            placeholder="API_BASE_URL"
            autoComplete="off"
            spellCheck={false}
            aria-describedby="config-add-key-hint"
            data-testid="config-add-key"
            onChange={(e) => setKey(e.target.value)}
            required
          />
          <span id="config-add-key-hint" className="muted small">
            Letters, digits and underscores; the app sees it as an environment variable.
          </span>
        </div>
        <div className="config-field config-field-wide">
          <label htmlFor="config-add-value">{sensitive ? 'Secret value' : 'Value'}</label>
          <input
            id="config-add-value"
            ref={valueRef}
            type={sensitive ? 'password' : 'text'}
            autoComplete="off"
            spellCheck={false}
            data-testid="config-add-value"
          />
          {sensitive && (
            <span className="muted small">
              Sealed by the daemon at once and never shown again, here or by the API.
            </span>
          )}
        </div>
      </div>
      <div className="config-form-row">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={sensitive}
            data-testid="config-add-secret"
            onChange={(e) => setSensitive(e.target.checked)}
          />
          Secret (write-only; processes see a placeholder)
        </label>
        <div className="config-field">
          <label htmlFor="config-add-policy">Who may use it</label>
          <select
            id="config-add-policy"
            value={shownPolicy}
            data-testid="config-add-policy"
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
      {sensitive && (
        <InjectionFields
          idPrefix="config-add-inject"
          draft={injection}
          policy={shownPolicy}
          onChange={setInjection}
        />
      )}
      {create.isError && (
        <ErrorNotice error={create.error} title="Could not add it" testId="config-add-error" />
      )}
      {added && (
        <p className="small" role="status">
          Added <code>{added}</code>.
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={create.isPending} data-testid="config-add-submit">
          {create.isPending ? 'Adding…' : 'Add'}
        </button>
      </div>
    </form>
  );
}
