import { useEgressPolicy } from '../../api/egress.js';
import { DenialFeedPanel } from '../../components/egress/DenialFeedPanel.js';
import { EgressPolicyEditor } from '../../components/egress/EgressPolicyEditor.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import '../../styles/config.css';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';

/** The app's egress: what its manifest allows, its own lists, and what was refused, live. */
export function EgressTab({ app }: AppTabProps) {
  const policy = useEgressPolicy(app.id);
  const manifest = policy.data?.rules.filter((r) => r.source === 'manifest') ?? [];
  return (
    <section
      className="panel"
      aria-labelledby="egress-title"
      data-app={app.id}
      data-testid="egress-section"
    >
      <div className="panel-header">
        <h2 id="egress-title">Egress</h2>
      </div>
      <p className="muted small">
        Where the app&apos;s processes may connect, by host name. Nothing else is allowed, and a
        denied host stays denied whatever allows it. Changes apply to running processes at once.
      </p>
      {policy.isPending ? (
        <p role="status">Loading the app&apos;s egress lists…</p>
      ) : policy.isError ? (
        <ErrorNotice error={policy.error} title="Could not read the app's egress lists" />
      ) : (
        <>
          <div className="egress-manifest" data-testid="egress-manifest">
            <h3>From the app&apos;s manifest</h3>
            {manifest.length === 0 ? (
              <p className="muted small">
                The manifest (<code>sandbox.yaml</code>) allows no hosts.
              </p>
            ) : (
              <ul className="egress-chips">
                {manifest.map((r) => (
                  <li
                    key={`${r.action}:${r.host}`}
                    className={`egress-chip egress-chip-${r.action}`}
                  >
                    {r.action === 'deny' ? 'deny ' : ''}
                    <code>{r.host}</code>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <EgressPolicyEditor appId={app.id} policy={policy.data} />
          {app.sandbox ? (
            <DenialFeedPanel key={app.sandbox.id} appId={app.id} policy={policy.data} />
          ) : (
            <NoSandbox what="there are no refused requests to follow" />
          )}
        </>
      )}
    </section>
  );
}
