import { useEffect } from 'react';
import type { Session } from '@paddock/shared';
import { Link } from '../components/Link.js';
import { INSTANCE_SECTIONS, paths, type InstanceSection } from '../router/routes.js';
import { ApiKeysSection } from './instance/ApiKeysSection.js';
import { AuditSection } from './instance/AuditSection.js';
import { SettingsSection } from './instance/SettingsSection.js';
import { SystemSection } from './instance/SystemSection.js';

const LABELS: Record<InstanceSection, string> = {
  settings: 'Settings',
  'api-keys': 'API keys',
  audit: 'Audit',
  system: 'System',
};

function SectionView({ section }: { section: InstanceSection }) {
  switch (section) {
    case 'settings':
      return <SettingsSection />;
    case 'api-keys':
      return <ApiKeysSection />;
    case 'audit':
      return <AuditSection />;
    case 'system':
      return <SystemSection />;
  }
}

/** The instance's pages: what an admin configures and inspects about this paddockd. */
export function InstancePage({ section, session }: { section: InstanceSection; session: Session }) {
  useEffect(() => {
    document.title = `${LABELS[section]} · Paddock`;
    return () => {
      document.title = 'Paddock';
    };
  }, [section]);

  return (
    <main className="page page-wide">
      <div className="page-header">
        <h1>Instance</h1>
      </div>
      {!session.admin ? (
        <p className="empty" data-testid="instance-not-admin">
          These pages are for admins: sign in with the admin token or an admin API key to see them.
        </p>
      ) : (
        <div className="instance-layout">
          <nav className="instance-nav" aria-label="Instance pages">
            {INSTANCE_SECTIONS.map((s) => (
              <Link
                key={s}
                to={paths.instance(s)}
                aria-current={s === section ? 'page' : undefined}
                data-testid={`instance-nav-${s}`}
              >
                {LABELS[s]}
              </Link>
            ))}
          </nav>
          <div className="instance-section" data-section={section}>
            <SectionView section={section} />
          </div>
        </div>
      )}
    </main>
  );
}
