import { Link, useLocation } from 'react-router';
import { fragmentValue, LinkPage, useSpendOnce } from '@/components/ui/LinkPage';
import { useTitle } from '@/components/ui/Page';
import { paths } from '@/lib/paths';
import { useConfirmEmail } from '../api/signup';

/** Confirms a login's new email with the mailed link, once, as the page opens. */
export function EmailConfirmPage() {
  useTitle('Confirm your new email');
  const { hash } = useLocation();
  const token = fragmentValue(hash, 'token');
  const confirm = useConfirmEmail();
  useSpendOnce(token, confirm.mutate);

  let body: React.ReactNode;
  if (!token) {
    body = <div className="alert alert-error" role="alert">This link is incomplete. Open the link from the mail again.</div>;
  } else if (confirm.isError) {
    body = <div className="alert alert-error" role="alert">This link is unknown, used or expired. Ask for a new one in your profile.</div>;
  } else if (confirm.isSuccess) {
    body = (
      <div className="alert alert-info" role="status">
        Your new email is confirmed: sign in with it from now on. <Link to={paths.login}>Sign in</Link>
      </div>
    );
  } else {
    body = <p role="status">Confirming…</p>;
  }
  return <LinkPage title="Confirm your new email">{body}</LinkPage>;
}
