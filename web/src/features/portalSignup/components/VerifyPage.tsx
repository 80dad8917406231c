import { Link, useLocation } from 'react-router';
import { fragmentValue, LinkPage, useSpendOnce } from '@/components/ui/LinkPage';
import { useTitle } from '@/components/ui/Page';
import { paths } from '@/lib/paths';
import { useVerify } from '../api/signup';

/** Confirms the email of the mailed link, once, as the page opens. */
export function VerifyPage() {
  useTitle('Confirm your email');
  const { hash } = useLocation();
  const token = fragmentValue(hash, 'token');
  const verify = useVerify();
  useSpendOnce(token, verify.mutate);

  let body: React.ReactNode;
  if (!token) {
    body = <div className="alert alert-error" role="alert">This link is incomplete. Open the link from the mail again.</div>;
  } else if (verify.isError) {
    body = (
      <div className="alert alert-error" role="alert">
        This link is unknown, used or expired. Register again to get a new one.
      </div>
    );
  } else if (verify.isSuccess) {
    body =
      verify.data.state === 'approved' ? (
        <div className="alert alert-info" role="status">
          Your email is confirmed and your account is ready. <Link to={paths.login}>Sign in</Link>
        </div>
      ) : (
        <div className="alert alert-info" role="status">
          Your email is confirmed. The company approves new accounts first: you will get a mail.
        </div>
      );
  } else {
    body = <p role="status">Confirming…</p>;
  }

  return <LinkPage title="Confirm your email">{body}</LinkPage>;
}
