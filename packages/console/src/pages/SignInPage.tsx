import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { useSessionActions } from '../api/session.js';
import { ErrorNotice } from '../components/ErrorNotice.js';

/** Signs in with an API token. The token lives only in this form; the daemon sets a cookie. */
export function SignInPage() {
  const { signIn } = useSessionActions();
  const [token, setToken] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await signIn(token.trim());
      // Signed in: this page unmounts as the session arrives.
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? new ApiError(401, caught.code, `That token was not accepted. ${caught.message}`)
          : caught,
      );
      setPending(false);
    }
  }

  return (
    <main className="signin">
      <h1 className="brand">Paddock</h1>
      <form className="panel stack" onSubmit={(event) => void handleSubmit(event)}>
        <h2>Sign in</h2>
        <label htmlFor="signin-token">API token</label>
        <input
          id="signin-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          data-testid="signin-token"
          aria-describedby="signin-hint"
        />
        <p id="signin-hint" className="muted small">
          An API token of this Paddock server. It is sent once; the browser then keeps a session
          cookie, never the token.
        </p>
        {error !== null && <ErrorNotice error={error} testId="signin-error" />}
        <button type="submit" data-testid="signin-submit" disabled={pending || !token.trim()}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
