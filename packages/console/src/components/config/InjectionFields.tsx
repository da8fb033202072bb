import type { AccessPolicy } from '@paddock/shared';
import type { InjectionDraft } from './injectionDraft.js';

interface InjectionFieldsProps {
  /** Prefixes the fields' ids, unique on the page. */
  idPrefix: string;
  draft: InjectionDraft;
  policy: AccessPolicy;
  onChange: (draft: InjectionDraft) => void;
}

/**
 * Where the egress proxy puts a secret: into one header of requests to the hosts named. The
 * app's processes only ever see a placeholder, so this is how a secret reaches an API.
 */
export function InjectionFields({ idPrefix, draft, policy, onChange }: InjectionFieldsProps) {
  const set = (patch: Partial<InjectionDraft>) => onChange({ ...draft, ...patch });
  return (
    <fieldset className="config-injection">
      <legend>Injection at egress</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft.enabled}
          data-testid="config-inject-enabled"
          onChange={(e) => set({ enabled: e.target.checked })}
        />
        Put this secret into requests to some hosts
      </label>
      {draft.enabled && (
        <div className="config-injection-fields">
          <div className="config-field config-field-wide">
            <label htmlFor={`${idPrefix}-hosts`}>Hosts</label>
            <input
              id={`${idPrefix}-hosts`}
              value={draft.hosts}
              placeholder="api.example.com, *.example.org"
              aria-describedby={`${idPrefix}-hosts-hint`}
              data-testid="config-inject-hosts"
              onChange={(e) => set({ hosts: e.target.value })}
              required
            />
            <span id={`${idPrefix}-hosts-hint`} className="muted small">
              Separated by commas or spaces; <code>*.domain</code> for its subdomains.
            </span>
          </div>
          <div className="config-field">
            <label htmlFor={`${idPrefix}-header`}>Header</label>
            <input
              id={`${idPrefix}-header`}
              value={draft.header}
              data-testid="config-inject-header"
              onChange={(e) => set({ header: e.target.value })}
              required
            />
          </div>
          <div className="config-field">
            <label htmlFor={`${idPrefix}-format`}>Header value</label>
            <input
              id={`${idPrefix}-format`}
              value={draft.format}
              aria-describedby={`${idPrefix}-format-hint`}
              data-testid="config-inject-format"
              onChange={(e) => set({ format: e.target.value })}
              required
            />
            <span id={`${idPrefix}-format-hint`} className="muted small">
              <code>{'{value}'}</code> is where the secret goes; for HTTP Basic auth (git over
              https), <code>{'Basic {basic:x-access-token}'}</code> sends base64 of{' '}
              <code>x-access-token:</code> and the secret.
            </span>
          </div>
          {policy === 'control_plane_only' && (
            <p className="notice notice-warn small">
              While access is “Nobody”, the secret stays in the daemon and is not injected: choose
              who may use it for the injection to apply.
            </p>
          )}
        </div>
      )}
    </fieldset>
  );
}
