import { useEffect, useId, useRef, type ReactNode } from 'react';

interface ActionDialogProps {
  open: boolean;
  title: ReactNode;
  /** While the action runs, Escape does not close (the answer would be lost). */
  busy: boolean;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}

/**
 * A modal <dialog> for one confirm-or-ask step: focus moves into it, Escape closes it when idle,
 * and focus goes back to what opened it.
 */
export function ActionDialog({ open, title, busy, onClose, children, testId }: ActionDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    }
    if (!open && dialog.open) {
      dialog.close();
      if (opener.current instanceof HTMLElement && opener.current.isConnected) {
        opener.current.focus();
      }
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {open && children}
    </dialog>
  );
}
