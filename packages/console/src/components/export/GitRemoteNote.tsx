import { paths } from '../../router/routes.js';
import { Link } from '../Link.js';

/** What a private remote needs: a sealed token injected for its host, and the host allowed. */
export function GitRemoteNote({ appId, host }: { appId: string; host: string | null }) {
  const where = host ? <code>{host}</code> : 'the remote’s host';
  return (
    <div className="notice export-note" data-testid="git-remote-note">
      <p>
        git runs inside the app&apos;s sandbox and reaches the remote through the egress proxy. For
        a private remote (or any push):
      </p>
      <ol>
        <li>
          In <Link to={paths.app(appId, 'config')}>Config &amp; secrets</Link>, add a secret with
          your access token, injected for {where} as the <code>Authorization</code> header in the
          format <code>Basic {'{basic:x-access-token}'}</code>. An app imported with a token has one
          already (<code>GIT_TOKEN</code>).
        </li>
        <li>
          In <Link to={paths.app(appId, 'egress')}>Egress</Link>, allow {where}.
        </li>
      </ol>
      <p className="muted small">
        The token never enters the sandbox: the proxy adds it to git&apos;s requests.
      </p>
    </div>
  );
}
