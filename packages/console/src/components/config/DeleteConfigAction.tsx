import { useEffect, useRef, useState } from 'react';
import { useDeleteConfig } from '../../api/config.js';
import { ErrorNotice } from '../ErrorNotice.js';

interface DeleteConfigActionProps {
  appId: string;
  configKey: string;
  sensitive: boolean;
}

/** Deletes a key after asking: a secret's value cannot be read back to put it again. */
export function DeleteConfigAction({ appId, configKey, sensitive }: DeleteConfigActionProps) {
  const [open, setOpen] = useState(false);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const remove = useDeleteConfig(appId);
  const titleId = `config-delete-title-${configKey}`;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  function close(): void {
    setOpen(false);
    triggerRef.current?.focus();
  }

  return (
    <>
      <button
        ref={triggerRef}
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
      <dialog
        ref={dialogRef}
        className="dialog"
        aria-labelledby={titleId}
        data-testid="config-delete-dialog"
        onCancel={(event) => {
          event.preventDefault();
          if (!remove.isPending) close();
        }}
      >
        <h2 id={titleId}>
          Delete <code>{configKey}</code>?
        </h2>
        <p>
          The app&apos;s processes and tasks started from now on will not see it.
          {sensitive && ' The secret cannot be recovered: to use it again, add it again.'}
        </p>
        {remove.isError && <ErrorNotice error={remove.error} title="Could not delete it" />}
        <div className="actions">
          <button
            type="button"
            className="button-danger"
            disabled={remove.isPending}
            data-testid="config-delete-confirm"
            onClick={() => remove.mutate(configKey, { onSuccess: () => setOpen(false) })}
          >
            {remove.isPending ? 'Deleting…' : 'Delete'}
          </button>
          <button
            type="button"
            className="button-quiet"
            disabled={remove.isPending}
            onClick={close}
          >
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
