import { useId, type ComponentPropsWithRef, type ReactNode } from 'react';

interface FieldShellProps {
  label: string;
  errors?: string[] | undefined;
  hint?: ReactNode;
  required?: boolean | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  className?: string | undefined;
}

/** A labelled control with its hint and errors, wired for screen readers. */
export function FieldShell({ label, errors, hint, required, children, className }: FieldShellProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', errors?.length ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id} className="field-label">
        {label}
        {required ? <span className="field-required" aria-hidden="true"> *</span> : null}
      </label>
      {children({ id, describedBy, invalid: Boolean(errors?.length) })}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={errorId} className="field-error" role="alert">
          {errors.join('; ')}
        </p>
      ) : null}
    </div>
  );
}

type Common = { label: string; errors?: string[] | undefined; hint?: ReactNode; className?: string };

export function TextField({ label, errors, hint, className, required, ...input }: Common & ComponentPropsWithRef<'input'>) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} required={required} className={className}>
      {({ id, describedBy, invalid }) => (
        <input id={id} className="input" aria-describedby={describedBy} aria-invalid={invalid || undefined} required={required} {...input} />
      )}
    </FieldShell>
  );
}

/**
 * A password being chosen. Its strength is the server's to judge (zxcvbn):
 * the estimator's advice comes back as the field's errors, under this hint.
 */
export function NewPasswordField({ label = 'Password', name = 'password', ...input }: Partial<Common> & ComponentPropsWithRef<'input'>) {
  return (
    <TextField
      label={label}
      name={name}
      type="password"
      autoComplete="new-password"
      hint="A few unrelated words make a strong password."
      required
      {...input}
    />
  );
}

export function TextArea({ label, errors, hint, className, required, ...input }: Common & ComponentPropsWithRef<'textarea'>) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} required={required} className={className}>
      {({ id, describedBy, invalid }) => (
        <textarea id={id} className="input textarea" aria-describedby={describedBy} aria-invalid={invalid || undefined} required={required} {...input} />
      )}
    </FieldShell>
  );
}

export function SelectField({ label, errors, hint, className, required, children, ...input }: Common & ComponentPropsWithRef<'select'>) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} required={required} className={className}>
      {({ id, describedBy, invalid }) => (
        <select id={id} className="input select" aria-describedby={describedBy} aria-invalid={invalid || undefined} required={required} {...input}>
          {children}
        </select>
      )}
    </FieldShell>
  );
}

export function CheckboxField({
  label,
  hint,
  errors,
  ...input
}: { label: string; hint?: ReactNode; errors?: string[] | undefined } & ComponentPropsWithRef<'input'>) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  return (
    <>
      <div className="check">
        <input
          id={id}
          type="checkbox"
          {...input}
          aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
          aria-invalid={errorId ? true : undefined}
        />
        <label htmlFor={id}>
          {label}
          {hint ? (
            <span id={hintId} className="field-hint">
              {hint}
            </span>
          ) : null}
        </label>
      </div>
      {errors?.length ? (
        <p id={errorId} className="field-error" role="alert">
          {errors.join('; ')}
        </p>
      ) : null}
    </>
  );
}

/**
 * A field people never see nor reach (hidden from screen readers too), which
 * form-filling bots fill in: a public form sends it, and the server tells
 * bots from people by it.
 */
export function Honeypot() {
  return (
    <div aria-hidden="true" style={{ position: 'absolute', left: '-10000px' }}>
      <label>
        Website <input name="website" tabIndex={-1} autoComplete="off" />
      </label>
    </div>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert">
      {message}
    </div>
  );
}
