import { Link, useLocation } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, NewPasswordField } from '@/components/ui/Field';
import { useTitle } from '@/components/ui/Page';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useConfirmPasswordReset } from '../api/passwordReset';
import { newPasswordSchema } from './passwordResetSchema';

/** The mailed link's token: in the fragment, which no server or Referer sees. */
export function tokenFrom(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** Sets a new password with the token of a mailed link. */
export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const { hash } = useLocation();
  const token = tokenFrom(hash);
  const confirm = useConfirmPasswordReset();
  const form = useFormState();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await form.submit(newPasswordSchema, formValues(event.currentTarget), async ({ new_password }) => {
      await confirm.mutateAsync({ token, new_password });
    });
  }

  // The link itself is bad (unknown, used or expired): only a new one helps.
  const linkError = form.errors.token?.[0] ?? (token ? null : 'This link is incomplete. Open the link from the mail again.');

  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Choose a new password</h1>
        {confirm.isSuccess ? (
          <>
            <div className="alert alert-info" role="status">
              Your password is set, and you are signed out everywhere else.
            </div>
            <p>
              <Link to={paths.login}>Sign in</Link>
            </p>
          </>
        ) : linkError ? (
          <>
            <div className="alert alert-error" role="alert">
              {linkError}
            </div>
            <p>
              <Link to={paths.forgotPassword}>Ask for a new link</Link>
            </p>
          </>
        ) : (
          <>
            <FormError message={form.formError} />
            <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
              <NewPasswordField label="New password" name="new_password" errors={form.errors.new_password} />
              <Button type="submit" variant="primary" size="lg" block busy={confirm.isPending}>
                Set password
              </Button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
