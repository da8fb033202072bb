import { useState, type FormEvent } from 'react';
import type { AuditOutcome } from '@paddock/shared';
import { NO_AUDIT_FILTERS, type AuditFilters } from '../../api/audit.js';

/** Common actions, offered as suggestions; any action (or a prefix ending in .*) may be typed. */
const ACTIONS = [
  'admission.refused',
  'api_key.created',
  'api_key.revoked',
  'auth.*',
  'auth.failed',
  'auth.login',
  'config.*',
  'egress',
  'egress.denials_dropped',
  'exec',
  'runtime.failed',
  'sandbox.*',
  'secrets.key_rotated',
  'settings.changed',
  'snapshot.*',
  'task.failed',
];

const OUTCOMES: AuditOutcome[] = ['ok', 'denied', 'failed'];

/** A datetime-local value (the browser's local time) as an ISO timestamp; '' stays ''. */
function isoOf(local: string): string {
  if (!local) return '';
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? '' : at.toISOString();
}

interface AuditFilterFormProps {
  onApply: (filters: AuditFilters) => void;
}

/** The audit log's filters: applied together when the form is submitted. */
export function AuditFilterForm({ onApply }: AuditFilterFormProps) {
  const [action, setAction] = useState('');
  const [owner, setOwner] = useState('');
  const [outcome, setOutcome] = useState<AuditOutcome | ''>('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    onApply({
      action: action.trim(),
      owner: owner.trim(),
      outcome,
      since: isoOf(since),
      until: isoOf(until),
    });
  }

  function clear(): void {
    setAction('');
    setOwner('');
    setOutcome('');
    setSince('');
    setUntil('');
    onApply(NO_AUDIT_FILTERS);
  }

  return (
    <form className="audit-filters" onSubmit={handleSubmit} data-testid="audit-filters">
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <input
          id="audit-action"
          list="audit-actions"
          value={action}
          maxLength={64}
          placeholder="e.g. config.*"
          data-testid="audit-action"
          onChange={(event) => setAction(event.target.value)}
        />
        <datalist id="audit-actions">
          {ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor="audit-owner">Actor (owner)</label>
        <input
          id="audit-owner"
          value={owner}
          maxLength={128}
          data-testid="audit-owner"
          onChange={(event) => setOwner(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="audit-outcome">Outcome</label>
        <select
          id="audit-outcome"
          value={outcome}
          data-testid="audit-outcome"
          onChange={(event) => setOutcome(event.target.value as AuditOutcome | '')}
        >
          <option value="">any</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-since">From</label>
        <input
          id="audit-since"
          type="datetime-local"
          value={since}
          data-testid="audit-since"
          onChange={(event) => setSince(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="audit-until">Until</label>
        <input
          id="audit-until"
          type="datetime-local"
          value={until}
          data-testid="audit-until"
          onChange={(event) => setUntil(event.target.value)}
        />
      </div>
      <div className="actions">
        <button type="submit" data-testid="audit-apply">
          Filter
        </button>
        <button type="button" className="button-quiet" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
