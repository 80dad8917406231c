import { Link, useLocation } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, TextField } from '@/components/ui/Field';
import { useTitle } from '@/components/ui/Page';
import { Loading } from '@/components/ui/States';
import { isApiError } from '@/lib/api/errors';
import type { Schemas } from '@/lib/api/types';
import { useSession } from '@/lib/auth/useSession';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useAcceptInvitation, useInvitationPreview } from '../api/invitations';
import { acceptSchema } from './schemas';

const ROLE_LABEL = { ADMIN: 'an admin', WORKER: 'a field worker', CUSTOMER: 'a customer' } as const;

export type Accepted = Schemas['AcceptedInvitation'];
/** What to do once accepted: sign in with `password` (not signed in), or switch. */
export type OnAccepted = (accepted: Accepted, signIn: { email: string; password: string } | null) => Promise<void>;

/**
 * The mailed invitation's page. A new address gives a name and a password;
 * an address that already signs in to FieldOps accepts signed in as itself,
 * or with its password. The token stays in the fragment, which no server
 * or Referer sees.
 */
export function AcceptInvitationPage({ onAccepted }: { onAccepted: OnAccepted }) {
  useTitle('Accept an invitation');
  const { hash } = useLocation();
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
  const preview = useInvitationPreview(token);
  const accept = useAcceptInvitation();
  const session = useSession();
  const form = useFormState();
  const signedInAs = session.status === 'authenticated' ? session.user : null;
  const invitation = preview.data;
  const asMyself = !!invitation?.has_account && signedInAs?.email.toLowerCase() === invitation.email.toLowerCase();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!invitation) return;
    await form.submit(acceptSchema, formValues(event.currentTarget), async ({ name, password }) => {
      if (asMyself) {
        const accepted = await accept.mutateAsync({ token });
        await onAccepted(accepted, null);
        return;
      }
      if (!password) {
        form.fail(new Error('Enter your password'));
        return;
      }
      const accepted = await accept.mutateAsync(invitation.has_account ? { token, password } : { token, name, password });
      await onAccepted(accepted, { email: invitation.email, password });
    });
  }

  const linkError =
    !token ? 'This link is incomplete. Open the link from the mail again.' : preview.isError ? 'This invitation is unknown, used, revoked or expired. Ask for a new one.' : null;

  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Accept an invitation</h1>
        {linkError ? (
          <div className="alert alert-error" role="alert">
            {linkError}
          </div>
        ) : !invitation ? (
          <Loading label="Reading the invitation…" />
        ) : (
          <>
            <p>
              <span className="company-swatch" style={{ backgroundColor: invitation.company_color }} aria-hidden="true" />
              <strong>{invitation.company_name}</strong> invites <strong>{invitation.email}</strong> to work with them as{' '}
              {ROLE_LABEL[invitation.role]}.
            </p>
            {isApiError(accept.error, 401) ? (
              <div className="alert alert-error" role="alert">
                The password is incorrect.
              </div>
            ) : (
              <FormError message={form.formError} />
            )}
            <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
              {asMyself ? (
                <p className="muted">You are signed in as {signedInAs?.name}: accepting adds this company to yours.</p>
              ) : invitation.has_account ? (
                <>
                  <p className="muted">This address already uses FieldOps. Enter its password to add this company.</p>
                  <input type="hidden" name="name" value="" />
                  <TextField label="Password" name="password" type="password" autoComplete="current-password" errors={form.errors.password} required />
                </>
              ) : (
                <>
                  <TextField label="Your name" name="name" autoComplete="name" errors={form.errors.name} required />
                  <TextField label="Choose a password" name="password" type="password" autoComplete="new-password" errors={form.errors.password} required />
                </>
              )}
              {asMyself ? (
                <>
                  <input type="hidden" name="name" value="" />
                  <input type="hidden" name="password" value="" />
                </>
              ) : null}
              <Button type="submit" variant="primary" size="lg" block busy={accept.isPending}>
                Accept the invitation
              </Button>
            </form>
          </>
        )}
        <p>
          <Link to={paths.login}>Sign in</Link>
        </p>
      </div>
    </main>
  );
}
