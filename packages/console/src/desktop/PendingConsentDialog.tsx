import type { UserspaceApp } from '@paddock/shared';
import { useConsent } from '../api/userspaceApps.js';
import { ConsentDialog } from './ConsentDialog.js';

/**
 * A version waiting for consent (a first install or an update asking beyond the grant): the
 * permission diff, Allow (consent, the version is swapped in) or Not now (it keeps waiting; the
 * app runs the version before it, if any, and a first install does not start).
 */
export function PendingConsentDialog({
  app,
  onClose,
}: {
  app: UserspaceApp;
  onClose: (outcome: 'accepted' | 'declined') => void;
}) {
  const consent = useConsent(app.id);
  const pending = app.pending;
  if (!pending) return null;
  const update = app.status !== 'pending_consent' || app.previous_version !== null;
  return (
    <ConsentDialog
      title={
        update
          ? `Update to ${pending.version_label} asks for more`
          : `Install ${app.name} ${pending.version_label}?`
      }
      appName={app.name}
      tier={app.provenance}
      granted={app.granted}
      asks={pending.added}
      drops={pending.removed}
      acceptLabel={update ? 'Allow and update' : 'Allow and install'}
      declineLabel="Not now"
      busy={consent.isPending}
      error={consent.error}
      onAccept={() => consent.mutate(pending.version, { onSuccess: () => onClose('accepted') })}
      onDecline={() => onClose('declined')}
    />
  );
}
