import type { ReactNode } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { ConfirmDialog } from './Dialog';
import { toast } from './Toast';

/** What ConfirmAction needs of a TanStack Query mutation that takes an id. */
interface IdMutation {
  isPending: boolean;
  mutate(id: string, options: { onSuccess: () => void; onError: (error: unknown) => void }): void;
}

interface ConfirmActionProps<T extends { id: string }> {
  /** The item asked about; the dialog is open while it is set. */
  target: T | null;
  onClose: () => void;
  title: (target: T) => string;
  message: ReactNode;
  confirmLabel: string;
  /** Run with the target's id on confirm (a delete, a revoke). */
  action: IdMutation;
  /** Toast on success. */
  done: string;
  /** Toast on failure; the server's message by default. */
  failed?: (error: unknown, target: T) => string;
  /** Leave the dialog open after a failure (to try again). */
  keepOpenOnError?: boolean;
  /** Anything else to do on success, before the dialog closes. */
  onDone?: (target: T) => void;
}

/**
 * "Delete this?": asks about `target`, runs `action` on its id once confirmed,
 * then toasts the outcome and closes.
 */
export function ConfirmAction<T extends { id: string }>({ target, onClose, title, message, confirmLabel, action, done, failed, keepOpenOnError, onDone }: ConfirmActionProps<T>) {
  function confirm() {
    if (!target) return;
    action.mutate(target.id, {
      onSuccess: () => {
        onDone?.(target);
        toast(done);
        onClose();
      },
      onError: (error) => {
        if (!keepOpenOnError) onClose();
        toast(failed ? failed(error, target) : errorMessage(error), 'error');
      },
    });
  }
  return (
    <ConfirmDialog
      open={target !== null}
      title={target ? title(target) : ''}
      message={message}
      confirmLabel={confirmLabel}
      busy={action.isPending}
      onClose={onClose}
      onConfirm={confirm}
    />
  );
}
