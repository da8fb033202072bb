import { useState } from 'react';
import { useSessionActions } from '../api/session.js';
import type { Session } from '@paddock/shared';
import { AccountMenu } from './AccountMenu.js';
import { NotificationsMenu } from './NotificationsMenu.js';
import { paths } from '../router/routes.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Link } from './Link.js';

export function Header({ session }: { session: Session }) {
  const { signOut } = useSessionActions();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSignOut(): Promise<void> {
    setPending(true);
    setError(null);
    try {
      await signOut();
    } catch (caught) {
      setError(caught);
      setPending(false);
    }
  }

  return (
    <header className="header">
      <Link to={paths.apps} className="brand">
        Paddock
      </Link>
      <nav className="header-nav">
        <Link to={paths.apps}>Apps</Link>
        <Link to={paths.desktop} data-testid="nav-desktop">
          Desktop
        </Link>
        {session.admin && (
          <Link to={paths.instance()} data-testid="nav-instance">
            Instance
          </Link>
        )}
      </nav>
      <div className="header-session">
        <NotificationsMenu />
        <AccountMenu session={session} />
        <button
          type="button"
          className="button-quiet"
          data-testid="signout"
          onClick={() => void handleSignOut()}
          disabled={pending}
        >
          {pending ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
      {error !== null && <ErrorNotice error={error} title="Could not sign out" />}
    </header>
  );
}
