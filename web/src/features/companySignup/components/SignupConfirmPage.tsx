import { Link, useLocation } from 'react-router';
import { ButtonLink } from '@/components/ui/Button';
import { fragmentValue, LinkPage, useSpendOnce } from '@/components/ui/LinkPage';
import { useTitle } from '@/components/ui/Page';
import { isApiError } from '@/lib/api/errors';
import { paths } from '@/lib/paths';
import { useConfirmSignup, type ConfirmedSignup } from '../api/signup';

function Ready({ company }: { company: ConfirmedSignup }) {
  return (
    <>
      <div className="alert alert-info" role="status">
        <span className="company-swatch" style={{ backgroundColor: company.company_color }} aria-hidden="true" />
        Your company <strong>{company.company_name}</strong> is ready.
      </div>
      <p>
        Its short name is <strong>{company.company_slug}</strong>: your people type it as the company to sign in.
      </p>
      {company.existing_account ? (
        <p>
          {company.email} already signs in to FieldOps, so sign in with the password you already use for FieldOps; the one
          typed when signing up is not used.
        </p>
      ) : (
        <p>Sign in as {company.email} with the password you chose, and add your customers, jobs and people.</p>
      )}
      <ButtonLink to={paths.loginAs(company.company_slug, company.email)} variant="primary" size="lg" block>
        Sign in to {company.company_name}
      </ButtonLink>
    </>
  );
}

/** Creates the company of the mailed sign-up link, once, as the page opens. */
export function SignupConfirmPage() {
  useTitle('Create your company');
  const { hash } = useLocation();
  const token = fragmentValue(hash, 'token');
  const confirm = useConfirmSignup();
  useSpendOnce(token, confirm.mutate);

  let body: React.ReactNode;
  if (!token) {
    body = <div className="alert alert-error" role="alert">This link is incomplete. Open the link from the mail again.</div>;
  } else if (isApiError(confirm.error, 422)) {
    body = (
      <>
        <div className="alert alert-error" role="alert">
          This link is unknown, used, replaced by a newer one or expired.
        </div>
        <p>
          <Link to={paths.signup}>Sign up again</Link> for a new link. If you opened this one before, your company is there
          already: <Link to={paths.login}>sign in</Link>.
        </p>
      </>
    );
  } else if (isApiError(confirm.error, 403)) {
    body = (
      <div className="alert alert-error" role="alert">
        Sign-up is turned off on this server, so the company cannot be opened. Ask the people who run it.
      </div>
    );
  } else if (confirm.isError) {
    body = (
      <div className="alert alert-error" role="alert">
        Your company could not be created just now. Open the link from the mail again in a moment.
      </div>
    );
  } else if (confirm.isSuccess) {
    body = <Ready company={confirm.data} />;
  } else {
    body = <p role="status">Creating your company…</p>;
  }
  return <LinkPage title="Create your company">{body}</LinkPage>;
}
