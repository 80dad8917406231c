import { Link } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, TextField } from '@/components/ui/Field';
import { useTitle } from '@/components/ui/Page';
import { isApiError } from '@/lib/api/errors';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useRequestPasswordReset } from '../api/passwordReset';
import { passwordResetSchema } from './passwordResetSchema';

/** Asks for a reset link. The answer never says whether the account exists. */
export function ForgotPasswordPage() {
  useTitle('Forgot password');
  const request = useRequestPasswordReset();
  const form = useFormState();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await form.submit(passwordResetSchema, formValues(event.currentTarget), async (input) => {
      await request.mutateAsync(input);
    });
  }

  const throttled = isApiError(request.error, 429);

  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Forgot password</h1>
        {request.isSuccess ? (
          <div className="alert alert-info" role="status">
            If an account matches, a link to choose a new password is on its way. It works once, within an hour.
          </div>
        ) : (
          <>
            <p className="muted">We will mail you a link to choose a new password.</p>
            {throttled ? (
              <div className="alert alert-error" role="alert">
                Too many requests. Please wait a while before asking again.
              </div>
            ) : (
              <FormError message={form.formError} />
            )}
            <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
              <TextField
                label="Company"
                name="company"
                autoComplete="organization"
                autoCapitalize="none"
                spellCheck={false}
                hint="Your company’s short name, e.g. acme"
                errors={form.errors.company}
                required
              />
              <TextField label="Email" name="email" type="email" autoComplete="username" errors={form.errors.email} required />
              <Button type="submit" variant="primary" size="lg" block busy={request.isPending}>
                Mail me a link
              </Button>
            </form>
          </>
        )}
        <p>
          <Link to={paths.login}>Back to sign in</Link>
        </p>
      </div>
    </main>
  );
}
