import { useLocation, useParams } from 'react-router';
import { fragmentValue, LinkPage, useSpendOnce } from '@/components/ui/LinkPage';
import { useTitle } from '@/components/ui/Page';
import { useUnsubscribe } from '../api/signup';

/** Turns notification mails off for the mail's recipient, once, as the page opens: no sign-in needed. */
export function UnsubscribePage() {
  useTitle('Notification mails');
  const { slug = '' } = useParams();
  const { hash } = useLocation();
  const token = fragmentValue(hash, 'token');
  const unsubscribe = useUnsubscribe(slug);
  useSpendOnce(token, unsubscribe.mutate);

  let body: React.ReactNode;
  if (!token) {
    body = <div className="alert alert-error" role="alert">This link is incomplete. Open the link from the mail again.</div>;
  } else if (unsubscribe.isError) {
    body = <div className="alert alert-error" role="alert">This link is not one of ours. Open the link from the mail again.</div>;
  } else if (unsubscribe.isSuccess) {
    body = (
      <div className="alert alert-info" role="status">
        You will get no more notification mails. Mails about your account still come. You can turn notifications on
        again in your profile.
      </div>
    );
  } else {
    body = <p role="status">Turning notification mails off…</p>;
  }

  return <LinkPage title="Notification mails">{body}</LinkPage>;
}
