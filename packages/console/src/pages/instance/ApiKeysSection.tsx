import { useState } from 'react';
import {
  useApiKeys,
  useCreateApiKey,
  useRevokeApiKey,
  type ApiKey,
  type CreatedApiKey,
} from '../../api/apiKeys.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { ApiKeyTable } from '../../components/instance/ApiKeyTable.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { CreateKeyForm } from '../../components/instance/CreateKeyForm.js';
import { NewKeySecret } from '../../components/instance/NewKeySecret.js';
import '../../styles/instance.css';

/** API keys: create one (its token shown once), see them all, revoke one. */
export function ApiKeysSection() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  // The token is held here only: it goes when dismissed or when this page unmounts.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);

  return (
    <>
      <section className="panel" aria-labelledby="api-keys-title">
        <div className="panel-header">
          <h2 id="api-keys-title">API keys</h2>
        </div>
        <p className="muted small">
          A key is for the CLI, an agent or a script; it also signs in to this console. Its token is
          shown once, when it is created.
        </p>
        {created ? (
          <NewKeySecret created={created} onDismiss={() => setCreated(null)} />
        ) : (
          <CreateKeyForm
            pending={create.isPending}
            error={create.error}
            onCreate={(body) =>
              create.mutate(body, {
                onSuccess: (answer) => {
                  setRevoked(null);
                  setCreated(answer);
                },
              })
            }
          />
        )}
      </section>
      <section className="panel" aria-labelledby="api-key-list-title">
        <h2 id="api-key-list-title">Keys</h2>
        {revoked && (
          <p className="notice notice-ok" role="status" data-testid="api-key-revoked">
            Revoked &ldquo;{revoked}&rdquo;: it no longer works anywhere.
          </p>
        )}
        {keys.isPending ? (
          <p role="status">Loading the keys…</p>
        ) : keys.isError ? (
          <ErrorNotice error={keys.error} title="Could not list the API keys" />
        ) : keys.data.length === 0 ? (
          <p className="empty" data-testid="api-keys-empty">
            No API keys yet: create one above for the CLI or an agent.
          </p>
        ) : (
          <ApiKeyTable
            keys={keys.data}
            onRevoke={(key) => {
              revoke.reset();
              setRevoking(key);
            }}
          />
        )}
      </section>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke key"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.error}
        errorTitle="Could not revoke the key"
        testId="revoke-dialog"
        onClose={() => setRevoking(null)}
        onConfirm={() => {
          if (!revoking) return;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              setRevoked(revoking.name);
              setRevoking(null);
            },
          });
        }}
      >
        <p>
          Anything using this key ({revoking?.owner}, {revoking?.role},{' '}
          <code>{revoking?.prefix}…</code>) is refused from now on. This cannot be undone: create a
          new key instead.
        </p>
      </ConfirmDialog>
    </>
  );
}
