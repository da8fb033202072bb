import { useState } from 'react';
import type { Session } from '@paddock/shared';
import { useSessionActions } from '../api/session.js';
import { fullTime } from '../lib/time.js';
import { ErrorNotice } from './ErrorNotice.js';

/** The owner's name in the header; opens when the session ends and "sign out everywhere else". */
export function AccountMenu({ session }: { session: Session }) {
  const { signOutEverywhere } = useSessionActions();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSignOutEverywhere(): Promise<void> {
    setPending(true);
    setError(null);
    try {
      await signOutEverywhere();
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="account">
      <button
        type="button"
        className="button-quiet"
        data-testid="account-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {session.owner}
        {session.admin && ' (admin)'}
      </button>
      {open && (
        <div className="account-menu" data-testid="account-menu">
          {session.expires_at && (
            <p className="muted small" data-testid="session-expires">
              This session ends {fullTime(session.expires_at)}.
            </p>
          )}
          <button
            type="button"
            data-testid="signout-everywhere"
            onClick={() => void handleSignOutEverywhere()}
            disabled={pending}
          >
            {pending ? 'Signing out…' : 'Sign out everywhere else'}
          </button>
          <p className="muted small">
            Ends every other session of {session.owner}, on every device and browser.
          </p>
          {done && (
            <p className="small" role="status" data-testid="signout-everywhere-done">
              Every other session is signed out.
            </p>
          )}
          {error !== null && <ErrorNotice error={error} title="Could not sign out elsewhere" />}
        </div>
      )}
    </div>
  );
}
