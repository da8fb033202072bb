import { useState, type FormEvent } from 'react';
import type { CreateApiKeyBody, OwnerRole } from '@paddock/shared';
import { ErrorNotice } from '../ErrorNotice.js';

const ROLES: Array<{ role: OwnerRole; hint: string }> = [
  { role: 'user', hint: 'user: builds and runs its owner’s apps' },
  { role: 'agent', hint: 'agent: like a user, but its changes are marked AI-generated' },
  { role: 'admin', hint: 'admin: everything, including these pages' },
];

interface CreateKeyFormProps {
  pending: boolean;
  error: unknown;
  onCreate: (body: CreateApiKeyBody) => void;
}

/** Name, role and (for another person) owner of a new API key. */
export function CreateKeyForm({ pending, error, onCreate }: CreateKeyFormProps) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<OwnerRole>('user');
  const [owner, setOwner] = useState('');

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    onCreate({ name: trimmed, role, ...(owner.trim() ? { owner: owner.trim() } : {}) });
  }

  return (
    <form className="create-key-form" onSubmit={handleSubmit} data-testid="create-key-form">
      <div className="field">
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          value={name}
          maxLength={128}
          required
          placeholder="e.g. laptop CLI"
          data-testid="key-name"
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="key-role">Role</label>
        <select
          id="key-role"
          value={role}
          aria-describedby="key-role-hint"
          data-testid="key-role"
          onChange={(event) => setRole(event.target.value as OwnerRole)}
        >
          {ROLES.map((r) => (
            <option key={r.role} value={r.role}>
              {r.role}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="key-owner">Owner (optional)</label>
        <input
          id="key-owner"
          value={owner}
          maxLength={63}
          placeholder="you"
          aria-describedby="key-owner-hint"
          data-testid="key-owner"
          onChange={(event) => setOwner(event.target.value)}
        />
      </div>
      <button type="submit" disabled={pending || !name.trim()} data-testid="key-create">
        {pending ? 'Creating…' : 'Create key'}
      </button>
      <p id="key-role-hint" className="muted small field-wide">
        {ROLES.find((r) => r.role === role)?.hint}
      </p>
      <p id="key-owner-hint" className="muted small field-wide">
        Leave the owner empty for a key of your own; a new owner name (lowercase letters, digits, -
        and _) creates that owner.
      </p>
      {error !== null && error !== undefined && (
        <div className="field-wide">
          <ErrorNotice error={error} title="Could not create the key" testId="key-create-error" />
        </div>
      )}
    </form>
  );
}
