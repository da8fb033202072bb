import { useState } from 'react';
import { useDeleteConfig } from '../../api/config.js';
import { ConfirmDialog } from '../ConfirmDialog.js';

interface DeleteConfigActionProps {
  appId: string;
  configKey: string;
  sensitive: boolean;
}

/** Deletes a key after asking: a secret's value cannot be read back to put it again. */
export function DeleteConfigAction({ appId, configKey, sensitive }: DeleteConfigActionProps) {
  const [open, setOpen] = useState(false);
  const remove = useDeleteConfig(appId);

  return (
    <>
      <button
        type="button"
        className="button-quiet"
        aria-label={`Delete ${configKey}`}
        data-testid="config-delete"
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={
          <>
            Delete <code>{configKey}</code>?
          </>
        }
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.isError ? remove.error : null}
        errorTitle="Could not delete it"
        testId="config-delete-dialog"
        confirmTestId="config-delete-confirm"
        onConfirm={() => remove.mutate(configKey, { onSuccess: () => setOpen(false) })}
        onClose={() => setOpen(false)}
      >
        <p>
          The app&apos;s processes and tasks started from now on will not see it.
          {sensitive && ' The secret cannot be recovered: to use it again, add it again.'}
        </p>
      </ConfirmDialog>
    </>
  );
}
