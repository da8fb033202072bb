import type { ReactNode } from 'react';
import { ActionDialog } from './ActionDialog.js';
import { ErrorNotice } from './ErrorNotice.js';

interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  /** What will happen, in words: what is replaced, lost or stops working. */
  children: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: unknown;
  errorTitle: string;
  testId: string;
  /** The confirm button's test id, when it is not `{testId}-confirm`. */
  confirmTestId?: string;
  /** The confirm button cannot be used yet (nothing to confirm, or something in the way). */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

/** A modal question before something that cannot be undone; Escape and Cancel close it. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, pending, error, testId, onConfirm, onClose } = props;
  return (
    <ActionDialog open={open} title={title} busy={pending} onClose={onClose} testId={testId}>
      {children}
      {error !== null && error !== undefined && (
        <ErrorNotice error={error} title={props.errorTitle} />
      )}
      <div className="actions">
        <button
          type="button"
          className="button-danger"
          data-testid={props.confirmTestId ?? `${testId}-confirm`}
          disabled={pending || props.confirmDisabled === true}
          onClick={onConfirm}
        >
          {pending ? props.pendingLabel : props.confirmLabel}
        </button>
        <button type="button" className="button-quiet" disabled={pending} onClick={onClose}>
          Cancel
        </button>
      </div>
    </ActionDialog>
  );
}
