import { useId, useRef, useState } from 'react';
import { Modal } from './Modal';

export interface ConfirmDialogProps {
  title: string;
  message: string;
  confirmLabel: string;
  /** Shown on the confirm button while onConfirm runs. */
  busyLabel?: string;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}

/** Asks before something irreversible; the safe choice (Cancel) has the focus. */
export function ConfirmDialog({ title, message, confirmLabel, busyLabel = 'Working…', onConfirm, onClose }: ConfirmDialogProps) {
  const titleId = useId();
  const messageId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <Modal labelledBy={titleId} describedBy={messageId} onClose={busy ? () => {} : onClose} initialFocus={cancelRef}>
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      <p id={messageId}>{message}</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="modal-actions">
        <button ref={cancelRef} type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={() => void confirm()} disabled={busy} aria-busy={busy}>
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
