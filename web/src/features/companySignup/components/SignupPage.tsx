import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Button } from '@/components/ui/Button';
import { CheckboxField, FormError, Honeypot, NewPasswordField, TextField } from '@/components/ui/Field';
import { useTitle } from '@/components/ui/Page';
import { Loading } from '@/components/ui/States';
import { isApiError } from '@/lib/api/errors';
import { retryIn } from '@/lib/format';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useSignup, useSignupOpen } from '../api/signup';
import { signupSchema, slugFrom } from './schemas';

function shortNameHint(companyName: string): string {
  const use = 'Your people type it to sign in, and your customer portal’s address ends with it.';
  if (!companyName.trim()) return `${use} Leave it empty to make it from the company’s name.`;
  return `${use} Leave it empty to use “${slugFrom(companyName)}”.`;
}

/** A new company with its first owner; the company exists once the mailed link is opened. */
export function SignupPage() {
  useTitle('Create your company');
  const open = useSignupOpen();
  const signup = useSignup();
  const form = useFormState();
  const [companyName, setCompanyName] = useState('');
  const sentRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (signup.isSuccess) sentRef.current?.focus();
  }, [signup.isSuccess]);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await form.submit(signupSchema, formValues(event.currentTarget), async (input) => {
      await signup.mutateAsync({
        company_name: input.company_name,
        slug: input.slug ?? undefined,
        name: input.name,
        email: input.email,
        password: input.password,
        accept_terms: true,
        website: input.website ?? undefined,
      });
    });
  }

  // Turned off, said up front or (if that changed since) by the server's 403.
  const closed = open.data?.enabled === false || isApiError(signup.error, 403);
  const throttled = isApiError(signup.error, 429) ? signup.error : null;

  if (signup.isSuccess) {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <h1 ref={sentRef} tabIndex={-1}>
            Check your email
          </h1>
          <p role="status">
            We sent a link to <strong>{signup.variables.email}</strong>. {signup.variables.company_name} is ready once you open
            it, within 24 hours.
          </p>
          <p className="muted">No mail after a few minutes? Look in the spam folder.</p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Create your company</h1>
        {open.isPending ? (
          <Loading />
        ) : closed ? (
          <div className="alert alert-info" role="status">
            Sign-up is turned off on this server. Ask the people who run it for an invitation.
          </div>
        ) : (
          <>
            <p className="muted">Your company gets its own jobs, customers and people in FieldOps; you are its owner.</p>
            {throttled ? (
              <div className="alert alert-error" role="alert">
                Too many sign-ups from here. Try again {retryIn(throttled.retryAfterSeconds)}.
              </div>
            ) : (
              <FormError message={form.formError} />
            )}
            <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
              <TextField
                label="Company name"
                name="company_name"
                autoComplete="organization"
                value={companyName}
                onChange={(event) => setCompanyName(event.target.value)}
                errors={form.errors.company_name}
                required
              />
              <TextField
                label="Short name"
                name="slug"
                autoCapitalize="none"
                autoComplete="off"
                spellCheck={false}
                hint={shortNameHint(companyName)}
                errors={form.errors.slug}
              />
              <TextField label="Your name" name="name" autoComplete="name" errors={form.errors.name} required />
              <TextField
                label="Email"
                name="email"
                type="email"
                autoComplete="email"
                hint="We send a link to confirm it; you sign in with it."
                errors={form.errors.email}
                required
              />
              <NewPasswordField errors={form.errors.password} />
              <CheckboxField label="I accept the terms of service" name="accept_terms" errors={form.errors.accept_terms} />
              <Honeypot />
              <Button type="submit" variant="primary" size="lg" block busy={signup.isPending}>
                Create the company
              </Button>
            </form>
          </>
        )}
        <p>
          Already in FieldOps? <Link to={paths.login}>Sign in</Link>
        </p>
      </div>
    </main>
  );
}
