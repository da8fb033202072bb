import { useState } from 'react';
import type { UserspaceApp } from '@paddock/shared';
import { Link } from '../components/Link.js';
import { paths } from '../router/routes.js';
import { PendingConsentDialog } from './PendingConsentDialog.js';
import { ProvenanceBadge } from './ProvenanceBadge.js';

const STATUS_WORDS: Record<UserspaceApp['status'], string> = {
  active: 'ready',
  disabled: 'disabled',
  pending_consent: 'waiting for consent',
  trashed: 'in the trash',
};

/** The installed apps: open a web app in a window, review what waits for consent. */
export function Launcher({
  apps,
  onOpen,
}: {
  apps: readonly UserspaceApp[];
  onOpen: (app: UserspaceApp) => void;
}) {
  const [reviewing, setReviewing] = useState<UserspaceApp | null>(null);
  if (apps.length === 0) {
    return (
      <p className="empty" data-testid="launcher-empty">
        No apps installed yet. Install a package below, or publish a build app from its page.
      </p>
    );
  }
  return (
    <ul className="launcher" data-testid="launcher">
      {apps.map((app) => {
        // A first install waiting for consent has no version to run yet.
        const runnable = app.status === 'active' && app.app_type === 'web';
        return (
          <li
            key={app.id}
            className="launcher-item"
            data-testid="launcher-app"
            data-app-id={app.id}
            data-status={app.status}
          >
            <button
              type="button"
              className="launcher-open"
              data-testid="launcher-open"
              disabled={!runnable}
              title={
                app.app_type === 'service'
                  ? 'A service app runs in its sandbox'
                  : `Open ${app.name}`
              }
              onClick={() => onOpen(app)}
            >
              {app.name}
            </button>
            <span className="muted small">
              {app.version_label} · {app.app_type} · {STATUS_WORDS[app.status]}
            </span>
            <ProvenanceBadge tier={app.provenance} granted={app.granted} />
            {app.pending && (
              <button
                type="button"
                className="button-quiet"
                data-testid="launcher-review"
                onClick={() => setReviewing(app)}
              >
                Review {app.pending.version_label}
              </button>
            )}
            <Link to={paths.userspaceApp(app.id)} data-testid="launcher-settings">
              Permissions & data
            </Link>
          </li>
        );
      })}
      {reviewing && <PendingConsentDialog app={reviewing} onClose={() => setReviewing(null)} />}
    </ul>
  );
}
