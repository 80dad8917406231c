import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, TextField } from '@/components/ui/Field';
import { useTitle } from '@/components/ui/Page';
import { isApiError } from '@/lib/api/errors';
import { homeFor } from '@/lib/auth/session';
import { useSession } from '@/lib/auth/useSession';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { ChooseCompany, useLogin, type LoginInput } from '../api/auth';
import type { Membership } from '../api/memberships';
import { loginSchema } from './loginSchema';

export const ROLE_LABEL = { ADMIN: 'Admin', WORKER: 'Field worker', CUSTOMER: 'Customer' } as const;

/** Where `next` may send a person of `role`: only inside their own surface. */
export function safeNext(next: string | null, role: 'ADMIN' | 'WORKER' | 'CUSTOMER'): string {
  const home = homeFor(role);
  if (!next || !next.startsWith('/') || next.startsWith('//')) return home;
  const prefix = role === 'ADMIN' ? '/admin' : role === 'WORKER' ? '/worker' : '/portal';
  return next === prefix || next.startsWith(`${prefix}/`) ? next : home;
}

/**
 * `?company=…&email=…` fill those fields in (a new company's confirmation
 * page links here so), and the password is left to type. `signUp` is what the
 * page offers someone without an account, from outside this feature.
 */
export function LoginPage({ signUp }: { signUp?: ReactNode }) {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const state = useSession();
  const loginMutation = useLogin();
  const form = useFormState();
  const companyRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const expired = params.get('expired') === '1';
  const prefilled = { company: params.get('company') ?? '', email: params.get('email') ?? '' };
  // A person of several companies who named none: which one, with the
  // address and password they just gave (kept in memory until they pick).
  const [choice, setChoice] = useState<{ input: LoginInput; memberships: Membership[] } | null>(null);
  const choiceRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => (prefilled.company && prefilled.email ? passwordRef : companyRef).current?.focus(), []);
  useEffect(() => {
    if (choice) choiceRef.current?.focus();
  }, [choice]);

  if (state.status === 'authenticated' && !loginMutation.isPending) {
    return <Navigate to={safeNext(params.get('next'), state.role)} replace />;
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = form.validate(loginSchema, formValues(event.currentTarget));
    if (!values) return;
    const input: LoginInput = values.company ? values : { email: values.email, password: values.password };
    await signIn(input);
  }

  async function signIn(input: LoginInput) {
    try {
      const user = await loginMutation.mutateAsync(input);
      setChoice(null);
      navigate(safeNext(params.get('next'), user.role), { replace: true });
    } catch (error) {
      if (error instanceof ChooseCompany) setChoice({ input, memberships: error.memberships });
      // A 401 gets one message that does not say which field was wrong.
      else if (isApiError(error, 401)) form.reset();
      else form.fail(error);
    }
  }

  if (choice) {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <h1 ref={choiceRef} tabIndex={-1}>
            Choose a company
          </h1>
          <p className="muted">You work for several companies. Which one now?</p>
          <FormError message={form.formError} />
          <ul className="company-choices" aria-label="Your companies">
            {choice.memberships.map((m) => (
              <li key={m.company_id}>
                <Button
                  variant="secondary"
                  size="lg"
                  block
                  busy={loginMutation.isPending && loginMutation.variables?.company === m.slug}
                  onClick={() => signIn({ ...choice.input, company: m.slug })}
                >
                  <span className="company-swatch" style={{ backgroundColor: m.color }} aria-hidden="true" />
                  {m.name} — {ROLE_LABEL[m.role]}
                </Button>
              </li>
            ))}
          </ul>
          <Button variant="ghost" onClick={() => setChoice(null)}>
            Back
          </Button>
        </div>
      </main>
    );
  }

  const failedSignIn = isApiError(loginMutation.error, 401);

  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true">
            F
          </span>
          <span>FieldOps</span>
        </div>
        <h1>Sign in</h1>
        <p className="muted">Jobs for service companies, their field workers and customers.</p>
        {expired ? (
          <div className="alert alert-info" role="status">
            Your session has ended. Please sign in again.
          </div>
        ) : null}
        {failedSignIn ? (
          <div className="alert alert-error" role="alert">
            Company, email or password is incorrect.
          </div>
        ) : (
          <FormError message={form.formError} />
        )}
        <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
          <TextField
            ref={companyRef}
            label="Company"
            name="company"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            hint="Your company’s short name, e.g. acme. Leave it empty to choose after signing in."
            errors={form.errors.company}
            defaultValue={prefilled.company}
          />
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="username"
            errors={form.errors.email}
            defaultValue={prefilled.email}
            required
          />
          <TextField
            ref={passwordRef}
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            errors={form.errors.password}
            required
          />
          <Button type="submit" variant="primary" size="lg" block busy={loginMutation.isPending}>
            Sign in
          </Button>
        </form>
        <p>
          <Link to={paths.forgotPassword}>Forgot password?</Link>
        </p>
        {signUp}
      </div>
    </main>
  );
}
