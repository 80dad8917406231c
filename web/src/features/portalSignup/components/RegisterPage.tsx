import { Link, useLocation, useParams } from 'react-router';
import { Button } from '@/components/ui/Button';
import { CheckboxField, FormError, Honeypot, NewPasswordField, TextField } from '@/components/ui/Field';
import { fragmentValue } from '@/components/ui/LinkPage';
import { useTitle } from '@/components/ui/Page';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { usePortalPage, useRegister } from '../api/signup';
import { registrationSchema } from './schemas';

/** The company's portal: registration, with an invitation or as the company allows. */
export function RegisterPage() {
  const { slug = '' } = useParams();
  const { hash } = useLocation();
  const invitation = fragmentValue(hash, 'invitation');
  const portal = usePortalPage(slug);
  const register = useRegister(slug);
  const form = useFormState();
  useTitle(portal.data ? `Register with ${portal.data.company_name}` : 'Register');

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = formValues(event.currentTarget);
    // The hidden field people leave empty; bots fill it in.
    const website = values.website ?? '';
    await form.submit(registrationSchema, values, async (input) => {
      await register.mutateAsync({
        name: input.name,
        email: input.email,
        phone: input.phone,
        address: input.address,
        password: input.password,
        accept_terms: true,
        website: website || null,
        invitation: invitation || null,
      });
    });
  }

  if (portal.isPending) {
    return (
      <main className="auth-page">
        <div className="auth-card" role="status">Loading…</div>
      </main>
    );
  }
  if (portal.isError) {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <div className="alert alert-error" role="alert">There is no portal at this address.</div>
        </div>
      </main>
    );
  }
  const company = portal.data;
  const closed = company.registration_mode === 'invitation' && !invitation;

  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1 style={{ borderBottom: `4px solid ${company.color}` }}>{company.company_name}</h1>
        {register.isSuccess ? (
          register.data?.status === 'registered' ? (
            <div className="alert alert-info" role="status">
              Your account is ready. <Link to={paths.login}>Sign in</Link> with company “{slug}”.
            </div>
          ) : (
            <div className="alert alert-info" role="status">
              Check your mail: we sent a link to confirm your address. It works for 24 hours.
            </div>
          )
        ) : closed ? (
          <div className="alert alert-info" role="status">
            {company.company_name} registers customers by invitation only. Ask them for an invitation.
          </div>
        ) : (
          <>
            <p>
              {company.registration_mode === 'approval' && !invitation
                ? 'Create your account; the company approves it before you can sign in.'
                : 'Create your account to request work and follow it.'}
            </p>
            <FormError message={form.formError} />
            <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
              <TextField label="Your name" name="name" autoComplete="name" errors={form.errors.name} required />
              <TextField
                label="Email"
                name="email"
                type="email"
                autoComplete="email"
                hint={invitation ? 'The address the invitation was sent to.' : 'We send a link to confirm it.'}
                errors={form.errors.email}
                required
              />
              <TextField label="Phone" name="phone" type="tel" autoComplete="tel" errors={form.errors.phone} />
              <TextField
                label="Address of the work"
                name="address"
                autoComplete="street-address"
                hint="Where the work happens; you can add more places later."
                errors={form.errors.address}
              />
              <NewPasswordField errors={form.errors.password} />
              <CheckboxField label="I accept the terms of service" name="accept_terms" errors={form.errors.accept_terms} />
              {invitation && form.errors.invitation ? (
                <p className="field-error" role="alert">{form.errors.invitation[0]}</p>
              ) : null}
              <Honeypot />
              <Button type="submit" variant="primary" size="lg" block busy={register.isPending}>
                Register
              </Button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
