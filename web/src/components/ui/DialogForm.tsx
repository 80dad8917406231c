import type { ReactNode } from 'react';
import type { FormState } from '@/lib/forms';
import { Button } from './Button';
import { FormError } from './Field';

interface DialogFormProps {
  form: FormState;
  /** Called with the form element on submit (the page does not reload). */
  onSubmit: (element: HTMLFormElement) => void;
  onCancel: () => void;
  busy: boolean;
  submitLabel: string;
  children: ReactNode;
}

/** The form of a create-or-edit dialog: its error on top, the fields, then Cancel and submit. */
export function DialogForm({ form, onSubmit, onCancel, busy, submitLabel, children }: DialogFormProps) {
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(event.currentTarget);
      }}
      noValidate
      className="stack"
      onChange={form.clearEdited}
    >
      <FormError message={form.formError} />
      {children}
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
