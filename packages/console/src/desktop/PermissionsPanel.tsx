import type { ReactNode } from 'react';
import type { UserspaceApp } from '@paddock/shared';
import { useAnswerPermission, usePermissions, useRevoke } from '../api/userspaceApps.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { describeCapability } from '../lib/capabilities.js';

function CapabilityRow({
  capability,
  testId,
  action,
}: {
  capability: string;
  testId: string;
  action?: ReactNode;
}) {
  return (
    <li data-testid={testId} data-capability={capability}>
      <code>{capability}</code>{' '}
      <span className="muted small">{describeCapability(capability)}</span> {action}
    </li>
  );
}

/**
 * What the app may do: its tier's ceiling (held without a grant), what the user granted (with
 * revoke: the next call is refused), what the user declined (never asked again; can be granted
 * here), what the admin forbids to the tier.
 */
export function PermissionsPanel({ app }: { app: UserspaceApp }) {
  const perms = usePermissions(app.id);
  const revoke = useRevoke(app.id);
  const answer = useAnswerPermission(app.id);
  const data = perms.data;
  return (
    <section className="panel" aria-labelledby="permissions-title" data-testid="permissions-panel">
      <h2 id="permissions-title">Permissions</h2>
      {perms.isError && <ErrorNotice error={perms.error} title="Could not load the permissions" />}
      {revoke.isError && <ErrorNotice error={revoke.error} title="Could not revoke" />}
      {answer.isError && <ErrorNotice error={answer.error} title="Could not grant" />}
      {data && (
        <div className="permission-groups">
          <h3>Granted by you</h3>
          {data.granted.length === 0 ? (
            <p className="muted">Nothing beyond what its origin allows.</p>
          ) : (
            <ul className="capability-list" data-testid="permissions-granted">
              {data.granted.map((c) => (
                <CapabilityRow
                  key={c}
                  capability={c}
                  testId="granted-capability"
                  action={
                    <button
                      type="button"
                      className="button-quiet"
                      data-testid="revoke"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate([c], { onSuccess: () => void perms.refetch() })}
                    >
                      Revoke
                    </button>
                  }
                />
              ))}
            </ul>
          )}
          <h3>Allowed by its origin ({app.provenance})</h3>
          <ul className="capability-list" data-testid="permissions-ceiling">
            {data.ceiling.map((c) => (
              <CapabilityRow key={c} capability={c} testId="ceiling-capability" />
            ))}
          </ul>
          {data.declined.length > 0 && (
            <>
              <h3>Declined (not asked again)</h3>
              <ul className="capability-list" data-testid="permissions-declined">
                {data.declined.map((c) => (
                  <CapabilityRow
                    key={c}
                    capability={c}
                    testId="declined-capability"
                    action={
                      <button
                        type="button"
                        className="button-quiet"
                        disabled={answer.isPending}
                        onClick={() => answer.mutate({ grant: [c] })}
                      >
                        Grant
                      </button>
                    }
                  />
                ))}
              </ul>
            </>
          )}
          {data.forbidden.length > 0 && (
            <>
              <h3>Forbidden by the admin</h3>
              <ul className="capability-list" data-testid="permissions-forbidden">
                {data.forbidden.map((c) => (
                  <CapabilityRow key={c} capability={c} testId="forbidden-capability" />
                ))}
              </ul>
            </>
          )}
          <p className="muted small">
            Declared by the app: required {data.required.join(', ') || 'nothing'}; optional{' '}
            {data.optional.join(', ') || 'nothing'}.
          </p>
        </div>
      )}
    </section>
  );
}
