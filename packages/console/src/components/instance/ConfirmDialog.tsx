import { useEffect, useRef, type ReactNode } from 'react';
import { ErrorNotice } from '../ErrorNotice.js';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: unknown;
  errorTitle: string;
  testId: string;
  onConfirm: () => void;
  onClose: () => void;
}

/** A modal question before something that cannot be undone; Escape and Cancel close it. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, pending, error, testId, onConfirm, onClose } = props;
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = `${testId}-title`;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      {error !== null && error !== undefined && (
        <ErrorNotice error={error} title={props.errorTitle} />
      )}
      <div className="actions">
        <button
          type="button"
          className="button-danger"
          data-testid={`${testId}-confirm`}
          disabled={pending}
          onClick={onConfirm}
        >
          {pending ? props.pendingLabel : props.confirmLabel}
        </button>
        <button type="button" className="button-quiet" disabled={pending} onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
